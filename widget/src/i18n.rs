//! Every string the widget shows or reads out, in each language it speaks. The language comes
//! from `data-language`, then `Parlor.setLocale()`, else the browser's languages, else English;
//! a language tag is matched by its primary subtag (`pt-BR` is Portuguese).

use std::sync::OnceLock;

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    Pt,
    Ja,
}

impl Lang {
    const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Pt, Lang::Ja];

    /// The language's number, as the widget's signal holds it (`Chat::lang`).
    pub fn index(self) -> u32 {
        self as u32
    }

    /// The language of [`Lang::index`]'s number; English for any other.
    pub fn from_index(index: u32) -> Lang {
        Lang::ALL.get(index as usize).copied().unwrap_or(Lang::En)
    }

    /// The language of a tag such as `de`, `fr-CA` or `pt_BR`, if the widget speaks it.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Some(match primary.as_str() {
            "en" => Lang::En,
            "de" => Lang::De,
            "fr" => Lang::Fr,
            "es" => Lang::Es,
            "pt" => Lang::Pt,
            "ja" => Lang::Ja,
            _ => return None,
        })
    }

    /// The first language of `tags` (the page's choice, then the browser's) that the widget
    /// speaks, else English.
    pub fn pick<'a>(tags: impl IntoIterator<Item = &'a str>) -> Lang {
        tags.into_iter().find_map(Lang::parse).unwrap_or(Lang::En)
    }

    /// The BCP 47 tag, for the panel's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::Ja => "ja",
        }
    }

    /// The strings in this language, unpacked on first use.
    pub fn texts(self) -> &'static Texts {
        static TABLES: [OnceLock<Texts>; 6] = [const { OnceLock::new() }; 6];
        let packed = match self {
            Lang::En => EN,
            Lang::De => DE,
            Lang::Fr => FR,
            Lang::Es => ES,
            Lang::Pt => PT,
            Lang::Ja => JA,
        };
        TABLES[self as usize].get_or_init(|| Texts::unpack(packed))
    }
}

/// The widget's strings in one language. Where a string takes a value (a name, a count), it is
/// in two parts, before and after it, so that no formatting code is needed.
pub struct Texts {
    pub chat: &'static str,
    /// "Chat with {name}": the panel's accessible name.
    pub chat_with: (&'static str, &'static str),
    pub unavailable: &'static str,
    pub open_chat: &'static str,
    /// "Open chat (1 new answer)".
    pub open_chat_one: &'static str,
    /// "Open chat ({n} new answers)".
    pub open_chat_many: (&'static str, &'static str),
    pub close_chat: &'static str,
    pub talk_to_human: &'static str,
    pub new_conversation: &'static str,
    pub your_message: &'static str,
    pub placeholder: &'static str,
    pub send: &'static str,
    pub stop: &'static str,
    pub escalated: &'static str,
    pub escalate_failed: &'static str,
    pub conversation_ended: &'static str,
    pub network: &'static str,
    /// Before the server's reason for refusing a message.
    pub refused: &'static str,
    /// Before the reason an answer failed while it streamed.
    pub answer_failed: &'static str,
    pub interrupted: &'static str,
    pub typing: &'static str,
    pub stopped: &'static str,
    pub retry: &'static str,
    pub helpful: &'static str,
    pub not_helpful: &'static str,
    pub thanks_feedback: &'static str,
    pub sources: &'static str,
    pub source: &'static str,
    pub agent: &'static str,
    pub suggestions: &'static str,
    pub starters: &'static str,
    pub lead_intro: &'static str,
    pub lead_name: &'static str,
    pub lead_email: &'static str,
    pub lead_send: &'static str,
    pub lead_skip: &'static str,
    pub lead_thanks: &'static str,
    pub lead_failed: &'static str,
}

/// One language's strings as one string, in [`Texts`]' field order (a pair is two strings),
/// each ended by U+001F. Six tables of 42 string references cost the WASM more than their text;
/// [`Texts::unpack`] makes the table of the language in use (BENCHMARKS.md, "Widget weight"). The
/// field names are for the reader; the tests check every table's length and order.
macro_rules! packed {
    ($($field:ident: $($text:literal)+,)*) => {
        concat!($($($text, "\u{1f}",)+)*)
    };
}

impl Texts {
    /// A table from its packed strings ([`packed!`]); a string missing at the end reads as empty.
    fn unpack(packed: &'static str) -> Texts {
        let mut strings = packed.split('\u{1f}');
        let mut next = move || strings.next().unwrap_or_default();
        // Fields are read in the order they are written here, which is the packed order.
        Texts {
            chat: next(),
            chat_with: (next(), next()),
            unavailable: next(),
            open_chat: next(),
            open_chat_one: next(),
            open_chat_many: (next(), next()),
            close_chat: next(),
            talk_to_human: next(),
            new_conversation: next(),
            your_message: next(),
            placeholder: next(),
            send: next(),
            stop: next(),
            escalated: next(),
            escalate_failed: next(),
            conversation_ended: next(),
            network: next(),
            refused: next(),
            answer_failed: next(),
            interrupted: next(),
            typing: next(),
            stopped: next(),
            retry: next(),
            helpful: next(),
            not_helpful: next(),
            thanks_feedback: next(),
            sources: next(),
            source: next(),
            agent: next(),
            suggestions: next(),
            starters: next(),
            lead_intro: next(),
            lead_name: next(),
            lead_email: next(),
            lead_send: next(),
            lead_skip: next(),
            lead_thanks: next(),
            lead_failed: next(),
        }
    }

    /// The launcher's accessible name with `unread` answers waiting.
    pub fn launcher(&self, open: bool, unread: u32) -> String {
        match (open, unread) {
            (true, _) => self.close_chat.to_owned(),
            (false, 0) => self.open_chat.to_owned(),
            (false, 1) => self.open_chat_one.to_owned(),
            (false, n) => [self.open_chat_many.0, &n.to_string(), self.open_chat_many.1].concat(),
        }
    }

    /// The panel's accessible name.
    pub fn chat_with(&self, name: &str) -> String {
        [self.chat_with.0, name, self.chat_with.1].concat()
    }
}

const EN: &str = packed! {
    chat: "Chat",
    chat_with: "Chat with " "",
    unavailable: "The chat is not available right now. Please try again later.",
    open_chat: "Open chat",
    open_chat_one: "Open chat (1 new answer)",
    open_chat_many: "Open chat (" " new answers)",
    close_chat: "Close chat",
    talk_to_human: "Talk to a human",
    new_conversation: "New conversation",
    your_message: "Your message",
    placeholder: "Type your message…",
    send: "Send",
    stop: "Stop",
    escalated: "We've asked a person to join. You can keep writing here.",
    escalate_failed: "Sorry, we could not reach a person just now. Please try again.",
    conversation_ended: "This conversation has ended. Please send your message again.",
    network: "The message could not be sent. Check your connection and try again.",
    refused: "Sorry, that did not work: ",
    answer_failed: "Sorry, something went wrong: ",
    interrupted: "The answer was interrupted. Please send your message again.",
    typing: "The assistant is typing",
    stopped: "Stopped",
    retry: "Retry",
    helpful: "Helpful",
    not_helpful: "Not helpful",
    thanks_feedback: "Thanks for your feedback",
    sources: "Sources",
    source: "Source: ",
    agent: "Agent",
    suggestions: "Suggestions",
    starters: "Suggested questions",
    lead_intro: "Leave your details so that we can get back to you.",
    lead_name: "Name",
    lead_email: "Email",
    lead_send: "Send details",
    lead_skip: "Not now",
    lead_thanks: "Thanks! We'll be in touch.",
    lead_failed: "Your details could not be sent. Please check your email address and try again.",
};

const DE: &str = packed! {
    chat: "Chat",
    chat_with: "Chat mit " "",
    unavailable: "Der Chat ist gerade nicht verfügbar. Bitte versuchen Sie es später noch einmal.",
    open_chat: "Chat öffnen",
    open_chat_one: "Chat öffnen (1 neue Antwort)",
    open_chat_many: "Chat öffnen (" " neue Antworten)",
    close_chat: "Chat schließen",
    talk_to_human: "Mit einem Menschen sprechen",
    new_conversation: "Neues Gespräch",
    your_message: "Ihre Nachricht",
    placeholder: "Nachricht eingeben…",
    send: "Senden",
    stop: "Stopp",
    escalated: "Wir haben eine Person gebeten, dazuzukommen. Sie können hier weiterschreiben.",
    escalate_failed: "Leider konnten wir gerade niemanden erreichen. Bitte versuchen Sie es noch einmal.",
    conversation_ended: "Dieses Gespräch ist beendet. Bitte senden Sie Ihre Nachricht noch einmal.",
    network: "Die Nachricht konnte nicht gesendet werden. Prüfen Sie Ihre Verbindung und versuchen Sie es noch einmal.",
    refused: "Das hat leider nicht geklappt: ",
    answer_failed: "Leider ist etwas schiefgegangen: ",
    interrupted: "Die Antwort wurde unterbrochen. Bitte senden Sie Ihre Nachricht noch einmal.",
    typing: "Der Assistent schreibt",
    stopped: "Angehalten",
    retry: "Erneut versuchen",
    helpful: "Hilfreich",
    not_helpful: "Nicht hilfreich",
    thanks_feedback: "Danke für Ihr Feedback",
    sources: "Quellen",
    source: "Quelle: ",
    agent: "Mitarbeiter",
    suggestions: "Vorschläge",
    starters: "Vorgeschlagene Fragen",
    lead_intro: "Hinterlassen Sie Ihre Kontaktdaten, damit wir uns bei Ihnen melden können.",
    lead_name: "Name",
    lead_email: "E-Mail",
    lead_send: "Daten senden",
    lead_skip: "Jetzt nicht",
    lead_thanks: "Danke! Wir melden uns.",
    lead_failed: "Ihre Daten konnten nicht gesendet werden. Bitte prüfen Sie Ihre E-Mail-Adresse.",
};

const FR: &str = packed! {
    chat: "Chat",
    chat_with: "Discuter avec " "",
    unavailable: "Le chat n'est pas disponible pour le moment. Veuillez réessayer plus tard.",
    open_chat: "Ouvrir le chat",
    open_chat_one: "Ouvrir le chat (1 nouvelle réponse)",
    open_chat_many: "Ouvrir le chat (" " nouvelles réponses)",
    close_chat: "Fermer le chat",
    talk_to_human: "Parler à une personne",
    new_conversation: "Nouvelle conversation",
    your_message: "Votre message",
    placeholder: "Écrivez votre message…",
    send: "Envoyer",
    stop: "Arrêter",
    escalated: "Nous avons demandé à une personne de nous rejoindre. Vous pouvez continuer à écrire ici.",
    escalate_failed: "Désolé, personne n'est joignable pour le moment. Veuillez réessayer.",
    conversation_ended: "Cette conversation est terminée. Veuillez renvoyer votre message.",
    network: "Le message n'a pas pu être envoyé. Vérifiez votre connexion et réessayez.",
    refused: "Désolé, cela n'a pas fonctionné : ",
    answer_failed: "Désolé, un problème est survenu : ",
    interrupted: "La réponse a été interrompue. Veuillez renvoyer votre message.",
    typing: "L'assistant écrit",
    stopped: "Arrêté",
    retry: "Réessayer",
    helpful: "Utile",
    not_helpful: "Pas utile",
    thanks_feedback: "Merci pour votre avis",
    sources: "Sources",
    source: "Source : ",
    agent: "Conseiller",
    suggestions: "Suggestions",
    starters: "Questions suggérées",
    lead_intro: "Laissez vos coordonnées pour que nous puissions vous recontacter.",
    lead_name: "Nom",
    lead_email: "E-mail",
    lead_send: "Envoyer mes coordonnées",
    lead_skip: "Pas maintenant",
    lead_thanks: "Merci ! Nous vous recontacterons.",
    lead_failed: "Vos coordonnées n'ont pas pu être envoyées. Vérifiez votre adresse e-mail.",
};

const ES: &str = packed! {
    chat: "Chat",
    chat_with: "Chatear con " "",
    unavailable: "El chat no está disponible en este momento. Inténtelo de nuevo más tarde.",
    open_chat: "Abrir el chat",
    open_chat_one: "Abrir el chat (1 respuesta nueva)",
    open_chat_many: "Abrir el chat (" " respuestas nuevas)",
    close_chat: "Cerrar el chat",
    talk_to_human: "Hablar con una persona",
    new_conversation: "Nueva conversación",
    your_message: "Su mensaje",
    placeholder: "Escriba su mensaje…",
    send: "Enviar",
    stop: "Detener",
    escalated: "Hemos pedido que se una una persona. Puede seguir escribiendo aquí.",
    escalate_failed: "Lo sentimos, ahora no podemos contactar con nadie. Inténtelo de nuevo.",
    conversation_ended: "Esta conversación ha terminado. Envíe su mensaje de nuevo.",
    network: "No se pudo enviar el mensaje. Compruebe su conexión e inténtelo de nuevo.",
    refused: "Lo sentimos, no ha funcionado: ",
    answer_failed: "Lo sentimos, algo ha fallado: ",
    interrupted: "La respuesta se interrumpió. Envíe su mensaje de nuevo.",
    typing: "El asistente está escribiendo",
    stopped: "Detenida",
    retry: "Reintentar",
    helpful: "Útil",
    not_helpful: "No es útil",
    thanks_feedback: "Gracias por su opinión",
    sources: "Fuentes",
    source: "Fuente: ",
    agent: "Agente",
    suggestions: "Sugerencias",
    starters: "Preguntas sugeridas",
    lead_intro: "Déjenos sus datos para que podamos ponernos en contacto con usted.",
    lead_name: "Nombre",
    lead_email: "Correo electrónico",
    lead_send: "Enviar datos",
    lead_skip: "Ahora no",
    lead_thanks: "¡Gracias! Nos pondremos en contacto.",
    lead_failed: "No se pudieron enviar sus datos. Compruebe su correo electrónico.",
};

const PT: &str = packed! {
    chat: "Chat",
    chat_with: "Conversar com " "",
    unavailable: "O chat não está disponível agora. Tente novamente mais tarde.",
    open_chat: "Abrir o chat",
    open_chat_one: "Abrir o chat (1 nova resposta)",
    open_chat_many: "Abrir o chat (" " novas respostas)",
    close_chat: "Fechar o chat",
    talk_to_human: "Falar com uma pessoa",
    new_conversation: "Nova conversa",
    your_message: "Sua mensagem",
    placeholder: "Digite sua mensagem…",
    send: "Enviar",
    stop: "Parar",
    escalated: "Pedimos que uma pessoa participe. Você pode continuar escrevendo aqui.",
    escalate_failed: "Desculpe, não conseguimos falar com ninguém agora. Tente novamente.",
    conversation_ended: "Esta conversa terminou. Envie sua mensagem novamente.",
    network: "Não foi possível enviar a mensagem. Verifique sua conexão e tente novamente.",
    refused: "Desculpe, não funcionou: ",
    answer_failed: "Desculpe, algo deu errado: ",
    interrupted: "A resposta foi interrompida. Envie sua mensagem novamente.",
    typing: "O assistente está digitando",
    stopped: "Interrompida",
    retry: "Tentar novamente",
    helpful: "Útil",
    not_helpful: "Não foi útil",
    thanks_feedback: "Obrigado pelo seu feedback",
    sources: "Fontes",
    source: "Fonte: ",
    agent: "Atendente",
    suggestions: "Sugestões",
    starters: "Perguntas sugeridas",
    lead_intro: "Deixe seus dados para que possamos entrar em contato.",
    lead_name: "Nome",
    lead_email: "E-mail",
    lead_send: "Enviar dados",
    lead_skip: "Agora não",
    lead_thanks: "Obrigado! Entraremos em contato.",
    lead_failed: "Não foi possível enviar seus dados. Verifique seu e-mail.",
};

const JA: &str = packed! {
    chat: "チャット",
    chat_with: "" "とチャット",
    unavailable: "現在チャットをご利用いただけません。しばらくしてからもう一度お試しください。",
    open_chat: "チャットを開く",
    open_chat_one: "チャットを開く（新しい回答 1 件）",
    open_chat_many: "チャットを開く（新しい回答 " " 件）",
    close_chat: "チャットを閉じる",
    talk_to_human: "担当者と話す",
    new_conversation: "新しい会話",
    your_message: "メッセージ",
    placeholder: "メッセージを入力…",
    send: "送信",
    stop: "停止",
    escalated: "担当者に参加を依頼しました。このままここに書き込めます。",
    escalate_failed: "申し訳ありません、現在担当者につながりません。もう一度お試しください。",
    conversation_ended: "この会話は終了しました。もう一度メッセージを送信してください。",
    network: "メッセージを送信できませんでした。接続を確認して、もう一度お試しください。",
    refused: "申し訳ありません、うまくいきませんでした：",
    answer_failed: "申し訳ありません、問題が発生しました：",
    interrupted: "回答が中断されました。もう一度メッセージを送信してください。",
    typing: "アシスタントが入力中です",
    stopped: "停止しました",
    retry: "再試行",
    helpful: "役に立った",
    not_helpful: "役に立たなかった",
    thanks_feedback: "フィードバックありがとうございます",
    sources: "出典",
    source: "出典：",
    agent: "担当者",
    suggestions: "候補",
    starters: "よくある質問",
    lead_intro: "折り返しご連絡できるよう、連絡先をご入力ください。",
    lead_name: "お名前",
    lead_email: "メールアドレス",
    lead_send: "送信する",
    lead_skip: "今はしない",
    lead_thanks: "ありがとうございます。追ってご連絡します。",
    lead_failed: "送信できませんでした。メールアドレスをご確認ください。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_chosen_by_its_primary_subtag_with_english_last() {
        assert_eq!(Lang::pick(["pt-BR"]), Lang::Pt);
        assert_eq!(Lang::pick(["fr_CA"]), Lang::Fr);
        assert_eq!(Lang::pick(["", "xx", "JA"]), Lang::Ja);
        assert_eq!(Lang::pick(["nl", "sv"]), Lang::En);
        assert_eq!(Lang::pick([]), Lang::En);
    }

    #[test]
    fn counts_and_names_are_placed_where_each_language_puts_them() {
        assert_eq!(Lang::En.texts().launcher(false, 3), "Open chat (3 new answers)");
        assert_eq!(Lang::En.texts().launcher(false, 1), "Open chat (1 new answer)");
        assert_eq!(Lang::De.texts().launcher(true, 3), "Chat schließen");
        assert_eq!(Lang::Ja.texts().chat_with("Parlor"), "Parlorとチャット");
        assert_eq!(Lang::Fr.texts().chat_with("Parlor"), "Discuter avec Parlor");
    }

    /// Every string of a language, in field order.
    fn all(t: &Texts) -> Vec<&'static str> {
        vec![
            t.chat,
            t.chat_with.0,
            t.chat_with.1,
            t.unavailable,
            t.open_chat,
            t.open_chat_one,
            t.open_chat_many.0,
            t.open_chat_many.1,
            t.close_chat,
            t.talk_to_human,
            t.new_conversation,
            t.your_message,
            t.placeholder,
            t.send,
            t.stop,
            t.escalated,
            t.escalate_failed,
            t.conversation_ended,
            t.network,
            t.refused,
            t.answer_failed,
            t.interrupted,
            t.typing,
            t.stopped,
            t.retry,
            t.helpful,
            t.not_helpful,
            t.thanks_feedback,
            t.sources,
            t.source,
            t.agent,
            t.suggestions,
            t.starters,
            t.lead_intro,
            t.lead_name,
            t.lead_email,
            t.lead_send,
            t.lead_skip,
            t.lead_thanks,
            t.lead_failed,
        ]
    }

    #[test]
    fn every_packed_table_holds_exactly_one_string_per_field_in_order() {
        for (lang, packed) in
            [(Lang::En, EN), (Lang::De, DE), (Lang::Fr, FR), (Lang::Es, ES), (Lang::Pt, PT), (Lang::Ja, JA)]
        {
            assert_eq!(packed.matches('\u{1f}').count(), all(Lang::En.texts()).len(), "{lang:?}");
            assert!(packed.ends_with('\u{1f}'));
        }
        let en = Lang::En.texts();
        assert_eq!(
            (en.chat, en.send, en.lead_failed),
            ("Chat", "Send", "Your details could not be sent. Please check your email address and try again.")
        );
        assert_eq!(en.open_chat_many, ("Open chat (", " new answers)"));
        assert_eq!(Lang::De.texts().lead_skip, "Jetzt nicht");
    }

    #[test]
    fn every_language_translates_every_string() {
        // A string left in English in another language is a forgotten translation, except the
        // few that are the same word there, and the empty halves around a name or a count.
        let same = ["Chat", "Sources", "Suggestions", "Name", "Source: ", ""];
        for lang in [Lang::De, Lang::Fr, Lang::Es, Lang::Pt, Lang::Ja] {
            for (theirs, english) in all(lang.texts()).into_iter().zip(all(Lang::En.texts())) {
                assert!(theirs != english || same.contains(&english), "{lang:?} has {english:?} in English");
                assert!(!theirs.is_empty() || english.is_empty() || lang == Lang::Ja, "{lang:?} lacks {english:?}");
            }
        }
    }
}
