//! The built-in responder's own words, in the languages the widget speaks (English, German,
//! French, Spanish, Portuguese, Japanese). A language is matched by its primary subtag (`pt-BR` is
//! Portuguese); any other is answered in English. The knowledge it quotes stays as written.

/// The phrases of one language.
#[derive(Debug, PartialEq, Eq)]
pub struct Phrases {
    /// Before and after a source's title: "Here is what I found in “…”".
    found: (&'static str, &'static str),
    /// The same before a second passage that completes the first: "And in “…”".
    also: (&'static str, &'static str),
    /// Before and after a page number.
    page: (&'static str, &'static str),
    /// Before and after the chatbot's name: "Hello! I'm …."
    hello: (&'static str, &'static str),
    pub how_can_i_help: &'static str,
    pub unknown: &'static str,
    /// The end of the sentence that introduces a quote (a colon, with the language's spacing).
    colon: &'static str,
}

const EN: Phrases = Phrases {
    found: ("Here is what I found in “", "”"),
    also: ("And in “", "”"),
    page: ("page ", ""),
    hello: ("Hello! I'm ", "."),
    how_can_i_help: "How can I help you today?",
    unknown: "I'm sorry, I don't know the answer to that yet. Would you like me to connect you with a person from \
              the team?",
    colon: ":",
};

const DE: Phrases = Phrases {
    found: ("Das habe ich in „", "“ gefunden"),
    also: ("Und in „", "“"),
    page: ("Seite ", ""),
    hello: ("Hallo! Ich bin ", "."),
    how_can_i_help: "Wie kann ich Ihnen heute helfen?",
    unknown: "Das weiß ich leider noch nicht. Möchten Sie, dass ich Sie mit einer Person aus dem Team verbinde?",
    colon: ":",
};

const FR: Phrases = Phrases {
    found: ("Voici ce que j'ai trouvé dans « ", " »"),
    also: ("Et dans « ", " »"),
    page: ("page ", ""),
    hello: ("Bonjour ! Je suis ", "."),
    how_can_i_help: "Comment puis-je vous aider aujourd'hui ?",
    unknown: "Désolé, je ne connais pas encore la réponse. Voulez-vous que je vous mette en relation avec une \
              personne de l'équipe ?",
    colon: " :",
};

const ES: Phrases = Phrases {
    found: ("Esto es lo que encontré en «", "»"),
    also: ("Y en «", "»"),
    page: ("página ", ""),
    hello: ("¡Hola! Soy ", "."),
    how_can_i_help: "¿En qué puedo ayudarte hoy?",
    unknown: "Lo siento, todavía no sé la respuesta. ¿Quieres que te ponga en contacto con una persona del equipo?",
    colon: ":",
};

const PT: Phrases = Phrases {
    found: ("Veja o que encontrei em “", "”"),
    also: ("E em “", "”"),
    page: ("página ", ""),
    hello: ("Olá! Eu sou ", "."),
    how_can_i_help: "Como posso ajudar hoje?",
    unknown: "Desculpe, ainda não sei a resposta. Quer que eu coloque você em contato com uma pessoa da equipe?",
    colon: ":",
};

const JA: Phrases = Phrases {
    found: ("「", "」で見つけた内容です"),
    also: ("また「", "」では"),
    page: ("", "ページ"),
    hello: ("こんにちは！", "です。"),
    how_can_i_help: "本日はどのようなご用件でしょうか？",
    unknown: "申し訳ありません、まだその答えがわかりません。チームの担当者におつなぎしましょうか？",
    colon: "：",
};

impl Phrases {
    /// The phrases of a language tag such as `de` or `pt-BR`; English for any other.
    pub fn of(language: &str) -> &'static Phrases {
        let primary = language.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "de" => &DE,
            "fr" => &FR,
            "es" => &ES,
            "pt" => &PT,
            "ja" => &JA,
            _ => &EN,
        }
    }

    /// "Hello! I'm {name}."
    pub fn hello(&self, name: &str) -> String {
        [self.hello.0, name, self.hello.1].concat()
    }

    /// The sentence before a quoted passage: its title, and the file and page it is on.
    pub fn found_in(&self, title: &str, file: Option<&str>, page: Option<i64>) -> String {
        let page = page.map(|page| format!("{}{page}{}", self.page.0, self.page.1));
        let place = match (file, page) {
            (Some(file), Some(page)) => format!(" ({file}, {page})"),
            (Some(file), None) => format!(" ({file})"),
            (None, Some(page)) => format!(" ({page})"),
            (None, None) => String::new(),
        };
        [self.found.0, title, self.found.1, &place, self.colon].concat()
    }

    /// The sentence before a second quoted passage, which completes the first.
    pub fn also_in(&self, title: &str, file: Option<&str>, page: Option<i64>) -> String {
        Phrases { found: self.also, ..*self }.found_in(title, file, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_is_found_by_its_primary_subtag_and_anything_else_is_english() {
        assert_eq!(Phrases::of("pt-BR"), &PT);
        assert_eq!(Phrases::of("DE"), &DE);
        assert_eq!(Phrases::of("fr_CA"), &FR);
        assert_eq!(Phrases::of("nl"), &EN);
        assert_eq!(Phrases::of(""), &EN);
    }

    #[test]
    fn the_sentence_before_a_quote_names_the_title_file_and_page_in_each_language() {
        assert_eq!(EN.found_in("Returns", None, None), "Here is what I found in “Returns”:");
        assert_eq!(
            EN.found_in("Returns", Some("policy.pdf"), Some(3)),
            "Here is what I found in “Returns” (policy.pdf, page 3):"
        );
        assert_eq!(DE.found_in("Rückgabe", None, Some(2)), "Das habe ich in „Rückgabe“ gefunden (Seite 2):");
        assert_eq!(FR.found_in("Retours", None, None), "Voici ce que j'ai trouvé dans « Retours » :");
        assert_eq!(JA.found_in("返品", None, Some(4)), "「返品」で見つけた内容です (4ページ)：");
        assert_eq!(ES.hello("Ana"), "¡Hola! Soy Ana.");
        assert_eq!(EN.also_in("Couriers", Some("shipping.docx"), None), "And in “Couriers” (shipping.docx):");
        assert_eq!(DE.also_in("Versand", None, Some(3)), "Und in „Versand“ (Seite 3):");
    }
}
