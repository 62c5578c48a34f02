//! One chatbot: the snippet that embeds its widget (with a copy button), every setting in one
//! form (the provider key is write-only: the page says only whether one is set), and deleting
//! it after a confirmation.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::PortalError;
use crate::api::chatbots::{DeleteChatbot, UpdateChatbot, get_chatbot};
use crate::api::server_info::get_server_info;
use crate::components::copy::CopyButton;
use crate::components::{action_error, confirm, error_view, go};
use parlor_protocol::wire::{self, Chatbot};

/// The tag that embeds a chatbot's widget in a page.
pub fn embed_snippet(public_url: &str, chatbot_id: &str) -> String {
    format!("<script src=\"{public_url}/widget.js\" data-chatbot-id=\"{chatbot_id}\" async></script>")
}

#[component]
pub fn ChatbotPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    view! { <ChatbotEditor id=id/> }
}

/// The page's island: the chatbot's settings, saved and reloaded in place.
#[island]
fn ChatbotEditor(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let id = move || id.get_value();
    let save = ServerAction::<UpdateChatbot>::new();
    let delete = ServerAction::<DeleteChatbot>::new();
    let data = Resource::new(
        move || (id(), save.version().get()),
        |(id, _)| async move {
            let chatbot = get_chatbot(id).await?;
            let info = get_server_info().await.map_err(|err| PortalError::Transport(err.to_string()))?;
            Ok::<_, PortalError>((chatbot, info.public_url))
        },
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            go("/chatbots");
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((chatbot, public_url)) => view! {
                    <ChatbotView chatbot=chatbot public_url=public_url save=save delete=delete/>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Transition>
    }
}

#[component]
fn ChatbotView(
    chatbot: Chatbot,
    public_url: String,
    save: ServerAction<UpdateChatbot>,
    delete: ServerAction<DeleteChatbot>,
) -> impl IntoView {
    let snippet = embed_snippet(&public_url, &chatbot.id);
    let copy_text = snippet.clone();
    let (delete_id, delete_name) = (chatbot.id.clone(), chatbot.name.clone());
    view! {
        <h1>{chatbot.name.clone()}</h1>
        <p class="lead">"Chatbot " <code data-testid="chatbot-id">{chatbot.id.clone()}</code></p>
        <section class="card" aria-labelledby="embed">
            <h2 id="embed">"Add it to your site"</h2>
            <p>"Paste this tag into your pages, before " <code>"</body>"</code> "."</p>
            <div class="secret-row">
                <code data-testid="embed-snippet">{snippet}</code>
                <CopyButton text=Signal::derive(move || copy_text.clone()) label="Copy snippet"/>
            </div>
        </section>
        <SettingsForm chatbot=chatbot save=save/>
        <section class="card danger-zone" aria-labelledby="delete-chatbot">
            <h2 id="delete-chatbot">"Delete this chatbot"</h2>
            <p>"Its conversations, leads and knowledge are deleted with it. This cannot be undone."</p>
            {action_error(delete.value())}
            <button type="button" class="danger" disabled=move || delete.pending().get()
                on:click=move |_| {
                    if confirm(&format!("Delete {delete_name} and all of its data?")) {
                        delete.dispatch(DeleteChatbot { id: delete_id.clone() });
                    }
                }>
                "Delete chatbot"
            </button>
        </section>
    }
    .into_any()
}

/// A `<select>` of `options` (value, label) bound to `value`.
fn choice(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    options: &'static [(&'static str, &'static str)],
) -> AnyView {
    view! {
        <label for=id>{label}</label>
        <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
            {options.iter().map(|(option, text)| view! {
                <option value=*option selected=move || value.get() == *option>{*text}</option>
            }).collect_view()}
        </select>
    }
    .into_any()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[component]
fn SettingsForm(chatbot: Chatbot, save: ServerAction<UpdateChatbot>) -> impl IntoView {
    let s = chatbot.settings;
    let text = |value: Option<String>| RwSignal::new(value.unwrap_or_default());
    let name = RwSignal::new(chatbot.name);
    let website = text(chatbot.website);
    let welcome = RwSignal::new(chatbot.welcome_message);
    let personality = text(s.personality);
    let starters = RwSignal::new(s.starter_questions.join("\n"));
    let theme = RwSignal::new(s.theme);
    let accent = text(s.accent_color);
    let position = RwSignal::new(s.position);
    let title = text(s.title);
    let avatar = text(s.avatar_url);
    let language = RwSignal::new(s.language);
    let origins = RwSignal::new(s.allowed_origins.join("\n"));
    let lead_capture = RwSignal::new(s.lead_capture);
    let answer_policy = RwSignal::new(s.answer_policy);
    let temperature = RwSignal::new(s.temperature.to_string());
    let max_tokens = RwSignal::new(s.max_tokens.to_string());
    let provider = RwSignal::new(s.provider);
    let base_url = text(s.provider_base_url);
    let model = text(s.provider_model);
    let key = RwSignal::new(String::new());
    let remove_key = RwSignal::new(false);
    let key_set = s.provider_api_key_set;
    let local_error = RwSignal::new(None::<String>);
    let id = chatbot.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Ok(temperature), Ok(max_tokens)) =
            (temperature.get().trim().parse::<f64>(), max_tokens.get().trim().parse::<u32>())
        else {
            local_error.set(Some("Temperature and max tokens must be numbers.".into()));
            return;
        };
        local_error.set(None);
        let typed_key = key.get().trim().to_owned();
        let provider_api_key =
            if remove_key.get() { Some(String::new()) } else { Some(typed_key).filter(|k| !k.is_empty()) };
        save.dispatch(UpdateChatbot {
            id: id.clone(),
            changes: wire::UpdateChatbot {
                name: Some(name.get()),
                website: Some(website.get()),
                welcome_message: Some(welcome.get()),
                personality: Some(personality.get()),
                starter_questions: Some(lines(&starters.get())),
                language: Some(language.get()),
                theme: Some(theme.get()),
                accent_color: Some(accent.get()),
                position: Some(position.get()),
                title: Some(title.get()),
                avatar_url: Some(avatar.get().trim().to_owned()),
                allowed_origins: Some(lines(&origins.get())),
                lead_capture: Some(lead_capture.get()),
                answer_policy: Some(answer_policy.get()),
                temperature: Some(temperature),
                max_tokens: Some(max_tokens),
                provider: Some(provider.get()),
                provider_base_url: Some(base_url.get()),
                provider_model: Some(model.get()),
                provider_api_key,
            },
        });
    };
    let saved = move || matches!(save.value().get(), Some(Ok(_))) && !save.pending().get();
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="settings">
            <h2 id="settings">"Settings"</h2>
            <form inert=waiting class="form" on:submit=submit data-testid="chatbot-settings">
                {view! { <fieldset class="group">
                    <legend>"Basics"</legend>
                    <label for="bot-name">"Name"</label>
                    <input id="bot-name" type="text" required=true maxlength="100"
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    <label for="bot-website">"Website"</label>
                    <input id="bot-website" type="url" prop:value=website on:input=move |ev| website.set(event_target_value(&ev))/>
                    <label for="bot-welcome">"Welcome message"</label>
                    <input id="bot-welcome" type="text" prop:value=welcome on:input=move |ev| welcome.set(event_target_value(&ev))/>
                    <label for="bot-personality">"Personality"</label>
                    <textarea id="bot-personality" rows="4" placeholder="You are the friendly assistant of…"
                        prop:value=personality on:input=move |ev| personality.set(event_target_value(&ev))></textarea>
                    <p class="hint">"Instructions for the model: tone, what to talk about, what not to."</p>
                    <label for="bot-starters">"Starter questions"</label>
                    <textarea id="bot-starters" rows="3" prop:value=starters on:input=move |ev| starters.set(event_target_value(&ev))></textarea>
                    <p class="hint">"One per line, at most six. Visitors can pick one to start."</p>
                    <label for="bot-language">"Language"</label>
                    <input id="bot-language" type="text" maxlength="12" placeholder="en"
                        prop:value=language on:input=move |ev| language.set(event_target_value(&ev))/>
                </fieldset> }.into_any()}
                {view! { <fieldset class="group">
                    <legend>"Appearance"</legend>
                    {choice("bot-theme", "Theme", theme, &[("auto", "Follow the visitor's system"), ("light", "Light"), ("dark", "Dark")])}
                    <label for="bot-accent">"Accent colour"</label>
                    <input id="bot-accent" type="text" maxlength="7" placeholder="#2563eb"
                        prop:value=accent on:input=move |ev| accent.set(event_target_value(&ev))/>
                    {choice("bot-position", "Position", position, &[("right", "Bottom right"), ("left", "Bottom left")])}
                    <label for="bot-title">"Title"</label>
                    <input id="bot-title" type="text" maxlength="100" placeholder="The chatbot's name"
                        prop:value=title on:input=move |ev| title.set(event_target_value(&ev))/>
                    <label for="bot-avatar">"Avatar image URL"</label>
                    <input id="bot-avatar" type="url" maxlength="500" placeholder="https://example.com/avatar.png"
                        prop:value=avatar on:input=move |ev| avatar.set(event_target_value(&ev))/>
                    <p class="hint">"An https address of a square image, shown beside the title. Leave empty for none."</p>
                </fieldset> }.into_any()}
                {view! { <fieldset class="group">
                    <legend>"Visitors"</legend>
                    <label for="bot-origins">"Allowed origins"</label>
                    <textarea id="bot-origins" rows="2" placeholder="https://shop.example.com"
                        prop:value=origins on:input=move |ev| origins.set(event_target_value(&ev))></textarea>
                    <p class="hint">"One per line. Leave empty to allow the widget on every site."</p>
                    {choice("bot-leads", "Lead capture", lead_capture, &[("off", "Off"), ("when_needed", "When a person is needed"), ("before_chat", "Before the chat")])}
                </fieldset> }.into_any()}
                {view! { <fieldset class="group">
                    <legend>"Answers"</legend>
                    {choice("bot-policy", "Answer policy", answer_policy, &[("knowledge_only", "Only from its knowledge"), ("general", "Also from general knowledge")])}
                    <label for="bot-temperature">"Temperature"</label>
                    <input id="bot-temperature" type="number" min="0" max="2" step="0.1"
                        prop:value=temperature on:input=move |ev| temperature.set(event_target_value(&ev))/>
                    <label for="bot-max-tokens">"Max tokens"</label>
                    <input id="bot-max-tokens" type="number" min="1" max="8192" step="1"
                        prop:value=max_tokens on:input=move |ev| max_tokens.set(event_target_value(&ev))/>
                    {choice("bot-provider", "AI provider", provider, &[("builtin", "Built-in responder (no key, no network)"), ("openai", "OpenAI-compatible"), ("anthropic", "Anthropic")])}
                    <Show when=move || provider.get() == "openai">
                        <label for="bot-base-url">"Base URL"</label>
                        <input id="bot-base-url" type="url" placeholder="https://api.openai.com"
                            prop:value=base_url on:input=move |ev| base_url.set(event_target_value(&ev))/>
                        <p class="hint">"Without " <code>"/v1"</code> ", such as " <code>"http://localhost:11434"</code> " for Ollama."</p>
                    </Show>
                    <Show when=move || provider.get() != "builtin">
                        <label for="bot-model">"Model"</label>
                        <input id="bot-model" type="text" maxlength="200"
                            prop:value=model on:input=move |ev| model.set(event_target_value(&ev))/>
                        <label for="bot-key">"API key"</label>
                        <input id="bot-key" type="password" autocomplete="off"
                            placeholder=if key_set { "Key set — type a new one to replace it" } else { "No key set" }
                            prop:value=key on:input=move |ev| key.set(event_target_value(&ev))/>
                        <p class="hint" data-testid="key-status">
                            {if key_set { "Key set. It is stored encrypted and never shown." } else { "No key set." }}
                        </p>
                        {key_set.then(|| view! {
                            <label><input type="checkbox" prop:checked=remove_key
                                on:change=move |ev| remove_key.set(event_target_checked(&ev))/>" Remove the stored key"</label>
                        })}
                    </Show>
                </fieldset> }.into_any()}
                {move || local_error.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                {action_error(save.value())}
                <div class="form-actions">
                    <button type="submit" disabled=move || save.pending().get()>"Save settings"</button>
                    <Show when=saved>
                        <span class="saved" role="status">"Saved."</span>
                    </Show>
                </div>
            </form>
        </section>
    }
    .into_any()
}
