//! The "Widget SDK" page (`/docs/widget`): a builder of the embed snippet, with a live preview of
//! the real widget that reloads whenever an option changes, and the reference of the loader's
//! `data-*` attributes and of `window.Parlor`, each example with a copy button.
//!
//! [`Embed`] is the one definition of the snippet: the page shows [`Embed::script_tag`] and the
//! server's preview page (`GET /portal/widget-preview`, `server/src/portal/preview.rs`) puts the
//! very same tag into the page it serves, so the preview runs exactly what the person copies.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::api::PortalError;
use crate::api::account::current_viewer;
use crate::api::chatbots::list_chatbots;
use crate::api::server_info::get_server_info;
use crate::components::copy::{CopyButton, CopyCodeButton};
use crate::components::error_view;
use parlor_protocol::wire::Chatbot;

/// The chatbot id the snippet shows until a chatbot is chosen.
pub const PLACEHOLDER_ID: &str = "YOUR_CHATBOT_ID";

/// The path of the server's preview page.
pub const PREVIEW_PATH: &str = "/portal/widget-preview";

/// `data-theme`'s values (the first is the default), with their labels.
pub const THEMES: &[(&str, &str)] = &[("light", "Light"), ("dark", "Dark"), ("auto", "Auto (the visitor's setting)")];
/// `data-position`'s values.
pub const POSITIONS: &[(&str, &str)] = &[("right", "Bottom right"), ("left", "Bottom left")];
/// `data-language`'s values; empty leaves the choice to the visitor's browser.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("", "The visitor's browser"),
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("pt", "Português"),
    ("ja", "日本語"),
];
/// `data-mode`'s values.
pub const MODES: &[(&str, &str)] = &[
    ("bubble", "Bubble: a launcher opens a panel"),
    ("inline", "Inline: inside an element of the page"),
    ("fullscreen", "Fullscreen: the panel covers the page"),
];
/// `data-load`'s values.
pub const LOADS: &[(&str, &str)] =
    &[("open", "When the visitor opens it"), ("idle", "Prefetch when the browser is idle")];

/// The id of the element an inline widget goes into, until the person names another.
const DEFAULT_TARGET: &str = "parlor-chat";

/// The options of one embed snippet, as the builder's fields hold them and as the preview page
/// reads them from its query string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Embed {
    pub chatbot: String,
    pub theme: String,
    pub position: String,
    /// `#rrggbb` (or `#rgb`), or empty for the theme's own colour.
    pub accent: String,
    pub language: String,
    pub mode: String,
    /// The id of the element an inline widget goes into (without `#`).
    pub target: String,
    pub load: String,
    /// `data-open="true"`: the panel opens as soon as the page has loaded.
    pub open: bool,
}

impl Default for Embed {
    fn default() -> Embed {
        Embed {
            chatbot: PLACEHOLDER_ID.to_owned(),
            theme: THEMES[0].0.to_owned(),
            position: POSITIONS[0].0.to_owned(),
            accent: String::new(),
            language: String::new(),
            mode: MODES[0].0.to_owned(),
            target: DEFAULT_TARGET.to_owned(),
            load: LOADS[0].0.to_owned(),
            open: false,
        }
    }
}

/// `value` if it is one of `options`, else the first option (the default).
fn one_of(value: &str, options: &[(&str, &str)]) -> String {
    options.iter().find(|(option, _)| *option == value).map_or(options[0].0, |(option, _)| option).to_owned()
}

/// An accent the loader accepts as a hex colour (`#rgb` or `#rrggbb`), else empty.
fn hex_colour(value: &str) -> String {
    let value = value.trim();
    let valid = value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if valid { value.to_ascii_lowercase() } else { String::new() }
}

/// Percent-encodes a query string value (everything but RFC 3986's unreserved characters).
fn encode_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

impl Embed {
    /// The same options with every field one the loader accepts: unknown values become the
    /// defaults, the accent a hex colour or nothing, the target an id of letters, digits, `-`
    /// and `_`, and the chatbot id at most 64 characters (the placeholder when empty).
    pub fn normalized(self) -> Embed {
        let chatbot: String = self.chatbot.trim().chars().take(64).collect();
        let target: String = self
            .target
            .trim()
            .trim_start_matches('#')
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(64)
            .collect();
        Embed {
            chatbot: if chatbot.is_empty() { PLACEHOLDER_ID.to_owned() } else { chatbot },
            theme: one_of(&self.theme, THEMES),
            position: one_of(&self.position, POSITIONS),
            accent: hex_colour(&self.accent),
            language: one_of(&self.language, LANGUAGES),
            mode: one_of(&self.mode, MODES),
            target: if target.is_empty() { DEFAULT_TARGET.to_owned() } else { target },
            load: one_of(&self.load, LOADS),
            open: self.open,
        }
    }

    /// Whether the snippet still names no real chatbot.
    pub fn is_placeholder(&self) -> bool {
        self.chatbot == PLACEHOLDER_ID
    }

    /// The script tag that embeds the widget with these options, loaded from the Parlor at
    /// `public_url`. Options at their defaults are left out (except the theme), and every value
    /// is escaped.
    pub fn script_tag(&self, public_url: &str) -> String {
        let mut tag = format!(
            "<script src=\"{}/widget.js\" data-chatbot-id=\"{}\"",
            html_escape::encode_quoted_attribute(public_url.trim_end_matches('/')),
            html_escape::encode_quoted_attribute(&self.chatbot)
        );
        let mut attribute = |name: &str, value: &str| {
            tag.push_str(&format!(" data-{name}=\"{}\"", html_escape::encode_quoted_attribute(value)));
        };
        attribute("theme", &self.theme);
        if self.position != POSITIONS[0].0 {
            attribute("position", &self.position);
        }
        if !self.accent.is_empty() {
            attribute("accent", &self.accent);
        }
        if !self.language.is_empty() {
            attribute("language", &self.language);
        }
        if self.mode != MODES[0].0 {
            attribute("mode", &self.mode);
        }
        if self.mode == "inline" {
            attribute("target", &format!("#{}", self.target));
        }
        if self.load != LOADS[0].0 {
            attribute("load", &self.load);
        }
        if self.open {
            attribute("open", "true");
        }
        tag.push_str(" async></script>");
        tag
    }

    /// The preview page's address (a path on Parlor's origin) for these options.
    pub fn preview_url(&self) -> String {
        let fields = [
            ("chatbot", self.chatbot.as_str()),
            ("theme", &self.theme),
            ("position", &self.position),
            ("accent", &self.accent),
            ("language", &self.language),
            ("mode", &self.mode),
            ("target", &self.target),
            ("load", &self.load),
            ("open", if self.open { "true" } else { "false" }),
        ];
        let query: Vec<String> =
            fields.iter().map(|(name, value)| format!("{name}={}", encode_component(value))).collect();
        format!("{PREVIEW_PATH}?{}", query.join("&"))
    }
}

/// What the builder needs: the server's public URL and, for a signed-in person, the
/// workspace's chatbots.
type BuilderData = (String, Option<Vec<Chatbot>>);

async fn builder_data() -> Result<BuilderData, PortalError> {
    let info = get_server_info().await.map_err(|err| PortalError::Transport(err.to_string()))?;
    // Only a signed-in person has chatbots to choose from; asking for them signed out would
    // answer 401 and make the whole page a 401.
    let chatbots = match current_viewer().await? {
        Some(_) => Some(list_chatbots().await?),
        None => None,
    };
    Ok((info.public_url, chatbots))
}

#[component]
pub fn WidgetSdkPage() -> impl IntoView {
    let data = Resource::new(|| (), |()| builder_data());
    let wanted = use_query_map().with_untracked(|q| q.get("chatbot"));
    view! {
        <h1>"Widget SDK"</h1>
        <p class="lead">
            "One script tag puts the chat widget on any page. Build yours below and try it in the live "
            "preview, then drive the widget from your own code with " <code>"window.Parlor"</code> "."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || data.get().map(|result| match result {
                Ok((public_url, chatbots)) => view! {
                    <SnippetBuilder
                        public_url=public_url.clone()
                        chatbots=chatbots.map(|list| list.into_iter().map(|bot| (bot.id, bot.name)).collect())
                        wanted=wanted.clone()
                    />
                    <Reference public_url=public_url/>
                }.into_any(),
                Err(err) => error_view(err),
            })}
        </Suspense>
    }
}

/// A labelled `<select>` of `options` (value, label) bound to `value`.
fn select_field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <div class="sdk-field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(option, text)| {
                    let selected = option.clone();
                    view! { <option value=option selected=move || value.get() == selected>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

fn owned(options: &[(&str, &str)]) -> Vec<(String, String)> {
    options.iter().map(|(value, label)| ((*value).to_owned(), (*label).to_owned())).collect()
}

/// The builder, an island: `chatbots` are the signed-in person's (id, name) pairs, `wanted` the
/// one the address names (`?chatbot=…`).
#[island]
fn SnippetBuilder(
    public_url: String,
    chatbots: Option<Vec<(String, String)>>,
    wanted: Option<String>,
) -> impl IntoView {
    let defaults = Embed::default();
    let first = chatbots.as_ref().and_then(|list| {
        let wanted = wanted.as_deref();
        list.iter().find(|(id, _)| Some(id.as_str()) == wanted).or_else(|| list.first()).map(|(id, _)| id.clone())
    });
    let chatbot = RwSignal::new(first.unwrap_or(defaults.chatbot));
    let theme = RwSignal::new(defaults.theme);
    let position = RwSignal::new(defaults.position);
    let accent_on = RwSignal::new(false);
    let accent = RwSignal::new("#0a7d5a".to_owned());
    let language = RwSignal::new(defaults.language);
    let mode = RwSignal::new(defaults.mode);
    let target = RwSignal::new(defaults.target);
    let load = RwSignal::new(defaults.load);
    let open = RwSignal::new(defaults.open);
    let embed = Memo::new(move |_| {
        Embed {
            chatbot: chatbot.get(),
            theme: theme.get(),
            position: position.get(),
            accent: if accent_on.get() { accent.get() } else { String::new() },
            language: language.get(),
            mode: mode.get(),
            target: target.get(),
            load: load.get(),
            open: open.get(),
        }
        .normalized()
    });
    let snippet = Memo::new(move |_| embed.with(|embed| embed.script_tag(&public_url)));
    let preview = Memo::new(move |_| embed.with(Embed::preview_url));
    let chatbot_field = match chatbots {
        None => view! {
            <div class="sdk-field">
                <span class="sdk-label">"Chatbot"</span>
                <p class="notice" data-testid="sdk-sign-in">
                    <a href="/sign-in">"Sign in"</a> " to choose one of your chatbots; the snippet shows a placeholder until then."
                </p>
            </div>
        }
        .into_any(),
        Some(list) if list.is_empty() => view! {
            <div class="sdk-field">
                <span class="sdk-label">"Chatbot"</span>
                <p class="notice"><a href="/chatbots">"Create a chatbot"</a> " to put its id in the snippet."</p>
            </div>
        }
        .into_any(),
        Some(list) => select_field("sdk-chatbot", "Chatbot", chatbot, list).into_any(),
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card sdk-builder" aria-labelledby="sdk-build">
            <h2 id="sdk-build">"Build your snippet"</h2>
            <form inert=waiting class="sdk-fields" on:submit=|ev| ev.prevent_default()>
                {chatbot_field}
                {select_field("sdk-theme", "Theme", theme, owned(THEMES))}
                {select_field("sdk-position", "Position", position, owned(POSITIONS))}
                {select_field("sdk-language", "Language", language, owned(LANGUAGES))}
                {select_field("sdk-mode", "Mode", mode, owned(MODES))}
                <Show when=move || mode.get() == "inline">
                    <div class="sdk-field">
                        <label for="sdk-target">"Target element id"</label>
                        <input id="sdk-target" type="text" maxlength="64" prop:value=target
                            on:input=move |ev| target.set(event_target_value(&ev))/>
                    </div>
                </Show>
                {select_field("sdk-load", "Load", load, owned(LOADS))}
                <div class="sdk-field">
                    <span class="sdk-label">"Accent colour"</span>
                    <div class="sdk-inline">
                        <input id="sdk-accent-on" type="checkbox" prop:checked=accent_on
                            on:change=move |ev| accent_on.set(event_target_checked(&ev))/>
                        <label for="sdk-accent-on">"Custom"</label>
                        <input id="sdk-accent" type="color" aria-label="Accent colour" prop:value=accent
                            disabled=move || !accent_on.get()
                            on:change=move |ev| accent.set(event_target_value(&ev))/>
                    </div>
                </div>
                <div class="sdk-field">
                    <span class="sdk-label">"At start"</span>
                    <div class="sdk-inline">
                        <input id="sdk-open" type="checkbox" prop:checked=open
                            on:change=move |ev| open.set(event_target_checked(&ev))/>
                        <label for="sdk-open">"Open the panel when the page loads"</label>
                    </div>
                </div>
            </form>
            <h3>"Your snippet"</h3>
            <p>
                "Paste it into your pages, before " <code>"</body>"</code> "."
                <Show when=move || mode.get() == "inline">
                    " Inline mode draws the widget inside the element with the id "
                    <code>{move || embed.with(|e| e.target.clone())}</code> ": give it a height."
                </Show>
            </p>
            <div class="sdk-code">
                <pre><code data-testid="snippet">{move || snippet.get()}</code></pre>
                <CopyButton text=Signal::derive(move || snippet.get()) label="Copy snippet"/>
            </div>
            <h3 id="sdk-preview-title">"Live preview"</h3>
            <p class="hint">
                "The real widget with these options, on a page of its own that reloads when an option changes. "
                "A chatbot that lists allowed origins runs here for members of its workspace only."
            </p>
            <iframe class="sdk-preview" title="Widget preview" src=move || preview.get()></iframe>
        </section>
    }
}

/// A code example with a copy button.
#[component]
fn Code(#[prop(into)] code: String, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Copy".to_owned());
    view! {
        <div class="sdk-code">
            <pre><code>{code}</code></pre>
            <CopyCodeButton label=label/>
        </div>
    }
}

/// Every attribute of the script tag: name, values, default and effect.
const ATTRIBUTES: &[(&str, &str, &str, &str)] = &[
    ("data-chatbot-id", "a chatbot id", "required", "The chatbot to talk to. Without it the loader draws nothing."),
    ("data-theme", "light, dark, auto", "light", "The colour scheme; auto follows the visitor's setting."),
    ("data-position", "right, left", "right", "The corner of the launcher and the panel."),
    (
        "data-accent",
        "#rgb, #rrggbb or a colour name",
        "the theme's",
        "The colour of the launcher, the header and the buttons. Anything else is ignored with a warning.",
    ),
    (
        "data-language",
        "en, de, fr, es, pt, ja",
        "the browser's",
        "The widget's language; Parlor.setLocale() changes it later.",
    ),
    (
        "data-mode",
        "bubble, inline, fullscreen",
        "bubble",
        "A launcher and a floating panel; the panel inside an element of the page; or a panel covering the page.",
    ),
    ("data-target", "#id", "none", "The element an inline widget goes into."),
    (
        "data-load",
        "open, idle",
        "open",
        "Fetch the widget's code when the visitor opens it, or also prefetch it when the browser is idle.",
    ),
    ("data-open", "true", "closed", "Open the panel as soon as the page has loaded, without taking the focus."),
];

/// The events `Parlor.on` listens for, with what their callback receives.
const EVENTS: &[(&str, &str)] = &[
    ("ready", "The widget has loaded; a listener added later is called at once."),
    ("open", "The panel opened."),
    ("close", "The panel closed."),
    ("message", "{role: \"user\" | \"assistant\" | \"agent\", text, id, conversationId}"),
    ("lead", "{name, email}: the visitor left their details."),
    ("identify", "{id, verified}: the server checked an identity."),
    ("error", "{message}: something failed, such as a refused origin or identity."),
];

const STUB: &str = "<script>\nwindow.Parlor=window.Parlor||{q:[]};[\"open\",\"close\",\"toggle\",\"identify\",\"setLocale\",\"sendMessage\",\"on\",\"destroy\"].forEach(function(m){Parlor[m]=Parlor[m]||function(){Parlor.q.push([m,arguments])}});\n</script>";

const OPEN_CLOSE: &str = "document.querySelector(\"#help\").addEventListener(\"click\", () => Parlor.open());\nParlor.close();\nParlor.toggle();";

const SEND_MESSAGE: &str =
    "// Opens the panel and asks the question as the visitor.\nParlor.sendMessage(\"How do I reset my password?\");";

const SET_LOCALE: &str =
    "// en, de, fr, es, pt or ja (regional tags such as pt-BR work too).\nParlor.setLocale(\"de\");";

const EVENTS_EXAMPLE: &str = "Parlor\n  .on(\"ready\", () => console.log(\"chat ready\"))\n  .on(\"message\", (m) => analytics.track(\"chat_message\", { role: m.role }))\n  .on(\"lead\", (lead) => console.log(\"new lead\", lead.email))\n  .on(\"error\", (e) => console.warn(\"chat:\", e.message));";

const DESTROY: &str =
    "// Removes the widget from the page (on sign-out, or before a single-page app swaps pages).\nParlor.destroy();";

const IDENTIFY: &str = "Parlor.identify({\n  id: \"user_4711\",            // your own id for the visitor\n  name: \"Ada Lovelace\",\n  email: \"ada@example.com\",\n  hash: \"{{ parlor_hash }}\",   // computed on your server, see below\n});";

const NODE_HASH: &str = "import { createHmac } from \"node:crypto\";\n\n// On your server: the chatbot's identity secret (pis_…) never goes to the browser.\nconst hash = createHmac(\"sha256\", process.env.PARLOR_IDENTITY_SECRET)\n  .update(user.id)\n  .digest(\"hex\");";

const PYTHON_HASH: &str = "import hashlib\nimport hmac\nimport os\n\n# On your server: the chatbot's identity secret (pis_…) never goes to the browser.\nhash = hmac.new(\n    os.environ[\"PARLOR_IDENTITY_SECRET\"].encode(),\n    user.id.encode(),\n    hashlib.sha256,\n).hexdigest()";

/// The reference: attributes, the JavaScript API with examples, identity verification.
#[component]
fn Reference(public_url: String) -> impl IntoView {
    let secret_call = format!(
        "curl -X POST {}/api/v2/chatbots/YOUR_CHATBOT_ID/identity-secret \\\n  -H \"Authorization: Bearer YOUR_API_KEY\"",
        public_url.trim_end_matches('/')
    );
    view! {
        <section class="card" aria-labelledby="sdk-attributes">
            <h2 id="sdk-attributes">"Attributes"</h2>
            <p>"The loader reads these from its own script tag. Unknown values fall back to the default with a console warning."</p>
            <div class="table-wrap">
                <table class="data" data-testid="sdk-attributes">
                    <thead>
                        <tr>
                            <th scope="col">"Attribute"</th>
                            <th scope="col">"Values"</th>
                            <th scope="col">"Default"</th>
                            <th scope="col">"Effect"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {ATTRIBUTES.iter().map(|(name, values, default, effect)| view! {
                            <tr>
                                <th scope="row"><code>{*name}</code></th>
                                <td>{*values}</td>
                                <td>{*default}</td>
                                <td>{*effect}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="sdk-api">
            <h2 id="sdk-api">"The JavaScript API: " <code>"window.Parlor"</code></h2>
            <p>
                "The loader defines " <code>"window.Parlor"</code> " as soon as it runs; the widget's own code loads "
                "only when it is needed, and calls that need it wait until it has loaded."
            </p>
            <h3 id="sdk-api-stub">"Calling it before the loader has run"</h3>
            <p>
                "The snippet is " <code>"async"</code> ", so your code may run first. Put this stub before the snippet: "
                "calls wait in " <code>"Parlor.q"</code> " and the loader runs them in order."
            </p>
            <Code code=STUB label="Copy stub"/>
            <h3 id="sdk-api-open">"open(), close(), toggle()"</h3>
            <p>"Open the panel (loading the widget if needed, with the focus in it), close it (the focus returns to the launcher), or switch between the two."</p>
            <Code code=OPEN_CLOSE/>
            <h3 id="sdk-api-send">"sendMessage(text)"</h3>
            <p>"Opens the panel and sends the text as the visitor's message. Sent while an answer streams, it waits for that answer and goes next; up to 20 wait, and more are dropped with a warning in the console."</p>
            <Code code=SEND_MESSAGE/>
            <h3 id="sdk-api-locale">"setLocale(tag)"</h3>
            <Code code=SET_LOCALE/>
            <h3 id="sdk-api-on">"on(event, callback)"</h3>
            <p>"Returns " <code>"Parlor"</code> ", so calls chain. A listener that throws is logged and the others still run."</p>
            <div class="table-wrap">
                <table class="data" data-testid="sdk-events">
                    <thead><tr><th scope="col">"Event"</th><th scope="col">"The callback receives"</th></tr></thead>
                    <tbody>
                        {EVENTS.iter().map(|(name, detail)| view! {
                            <tr><th scope="row"><code>{*name}</code></th><td>{*detail}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <Code code=EVENTS_EXAMPLE/>
            <h3 id="sdk-api-destroy">"destroy()"</h3>
            <Code code=DESTROY/>
        </section>
        <section class="card" aria-labelledby="sdk-identify">
            <h2 id="sdk-identify">"identify({id, name, email, hash})"</h2>
            <p>
                "Tells Parlor who a signed-in visitor is. Anyone can call it from a browser, so without "
                <code>"hash"</code> " the identity is kept unverified; with a hash that matches it is verified, "
                "and a verified identity with an email becomes one of your contacts."
            </p>
            <Code code=IDENTIFY/>
            <p>"Create the chatbot's identity secret once (it is shown this one time; calling again replaces it):"</p>
            <Code code=secret_call/>
            <p>
                "Your server computes " <code>"hash"</code> " as the lowercase hex HMAC-SHA256 of the visitor's id, "
                "keyed with the secret, and puts it in the page."
            </p>
            <h3>"Node.js"</h3>
            <Code code=NODE_HASH/>
            <h3>"Python"</h3>
            <Code code=PYTHON_HASH/>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_snippet_names_the_placeholder_and_the_light_theme_only() {
        assert_eq!(
            Embed::default().script_tag("https://chat.example.com/"),
            "<script src=\"https://chat.example.com/widget.js\" data-chatbot-id=\"YOUR_CHATBOT_ID\" \
             data-theme=\"light\" async></script>"
        );
    }

    #[test]
    fn every_chosen_option_becomes_its_attribute() {
        let embed = Embed {
            chatbot: "bot_1".into(),
            theme: "dark".into(),
            position: "left".into(),
            accent: "#0A7D5A".into(),
            language: "ja".into(),
            mode: "inline".into(),
            target: "#help-chat".into(),
            load: "idle".into(),
            open: true,
        }
        .normalized();
        assert_eq!(
            embed.script_tag("http://localhost:3000"),
            "<script src=\"http://localhost:3000/widget.js\" data-chatbot-id=\"bot_1\" data-theme=\"dark\" \
             data-position=\"left\" data-accent=\"#0a7d5a\" data-language=\"ja\" data-mode=\"inline\" \
             data-target=\"#help-chat\" data-load=\"idle\" data-open=\"true\" async></script>"
        );
    }

    #[test]
    fn values_the_loader_would_refuse_become_defaults_and_nothing_escapes_the_attribute() {
        let embed = Embed {
            chatbot: "bot\"><script>alert(1)</script>".into(),
            theme: "\" onload=\"x".into(),
            position: "centre".into(),
            accent: "red;background:url(x)".into(),
            language: "xx".into(),
            mode: "popup".into(),
            target: "a b\"<".into(),
            load: "eager".into(),
            open: false,
        }
        .normalized();
        assert_eq!((embed.theme.as_str(), embed.position.as_str(), embed.mode.as_str()), ("light", "right", "bubble"));
        assert_eq!((embed.accent.as_str(), embed.language.as_str(), embed.load.as_str()), ("", "", "open"));
        assert_eq!(embed.target, "ab");
        let tag = embed.script_tag("http://localhost:3000");
        assert!(tag.contains("data-chatbot-id=\"bot&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""), "{tag}");
        assert_eq!(tag.matches('<').count(), 2, "only the script tag's own brackets: {tag}");
    }

    #[test]
    fn the_preview_address_carries_every_option_percent_encoded() {
        let embed = Embed { chatbot: "bot 1&x".into(), accent: "#ff8800".into(), ..Embed::default() };
        assert_eq!(
            embed.preview_url(),
            "/portal/widget-preview?chatbot=bot%201%26x&theme=light&position=right&accent=%23ff8800&language=\
             &mode=bubble&target=parlor-chat&load=open&open=false"
        );
    }
}
