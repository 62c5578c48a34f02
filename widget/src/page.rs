//! What the widget tells the host page (the events behind `Parlor.on`, the developer's console) and
//! what the page tells it about the visitor (`Parlor.identify`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::chat::Chat;
use crate::net::{self, opt};
use crate::storage;

/// Who the page says its visitor is (`Parlor.identify`).
#[derive(Debug, Clone)]
pub struct Identity {
    id: String,
    name: Option<String>,
    email: Option<String>,
    hash: Option<String>,
}

impl Identity {
    pub fn from_js(value: &JsValue) -> Option<Identity> {
        if !value.is_object() {
            return None;
        }
        let text = |name: &str| js_sys::Reflect::get(value, &name.into()).ok().and_then(|v| v.as_string());
        let id = text("id").or_else(|| {
            // A numeric id is read as an integer: float formatting would cost the WASM 15 KB.
            js_sys::Reflect::get(value, &"id".into()).ok().and_then(|v| v.as_f64()).map(|n| (n as i64).to_string())
        })?;
        Some(Identity { id, name: text("name"), email: text("email"), hash: text("hash") })
    }
}

/// A plain object for an event's detail.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&object, &(*name).into(), value);
    }
    object.into()
}

impl Chat {
    /// Hands an event to the page's `Parlor.on` listeners, through the loader.
    pub fn emit(self, name: &str, detail: &JsValue) {
        // Taken out before the call: a listener may call back into the widget.
        if let Some(emit) = self.keep(|k| k.emit.clone()) {
            // A listener that throws is the page's problem; the widget carries on.
            let _ = emit.call2(&JsValue::NULL, &name.into(), detail);
        }
    }

    /// The `message` event: a message the visitor sees, from `user`, `assistant` or `agent`.
    pub fn emit_message(self, role: &str, text: &str, id: Option<String>) {
        let id = id.map_or(JsValue::NULL, JsValue::from);
        let conversation = self.conversation.get_untracked().map_or(JsValue::NULL, JsValue::from);
        self.emit(
            "message",
            &object(&[("role", role.into()), ("text", text.into()), ("id", id), ("conversationId", conversation)]),
        );
    }

    /// Tells the page's developer what went wrong: in the console and as an `error` event.
    pub fn report(self, message: &str) {
        web_sys::console::error_1(&["[parlor] ", message].concat().into());
        self.emit("error", &object(&[("message", message.into())]));
    }

    /// Sends the page's identity to the server, with the conversation when there is one. A
    /// refusal (a hash that does not match) is reported to the page's developer; the visitor
    /// sees nothing, as it is not theirs to fix.
    pub fn identify_now(self) {
        let Some(identity) = self.keep(|k| k.identity.clone()) else { return };
        let conversation = self.conversation.get_untracked();
        spawn_local(async move {
            let request = [
                ("visitor_id", storage::visitor_id().into()),
                ("conversation_id", opt(conversation)),
                ("id", identity.id.as_str().into()),
                ("name", opt(identity.name)),
                ("email", opt(identity.email)),
                ("hash", opt(identity.hash)),
            ];
            let (backend, chatbot_id) = self.endpoint();
            match net::identify(backend, chatbot_id, &request).await {
                Ok(verified) => {
                    self.emit("identify", &object(&[("id", identity.id.into()), ("verified", verified.into())]));
                }
                Err(reason) => self.report(&["identify was refused: ", &reason].concat()),
            }
        });
    }
}
