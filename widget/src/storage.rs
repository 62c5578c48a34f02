//! What the widget remembers in the host page's localStorage: the visitor's id and the current
//! conversation per chatbot, so a reload continues the same conversation.

const VISITOR_KEY: &str = "parlor:visitor";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The visitor's id, created on first use. Pages that block storage get a new id each load.
pub fn visitor_id() -> String {
    let storage = local_storage();
    if let Some(existing) = storage.as_ref().and_then(|s| s.get_item(VISITOR_KEY).ok().flatten()) {
        return existing;
    }
    let id = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| format!("vis_{}", c.random_uuid().replace('-', "")))
        .unwrap_or_else(|| format!("vis_{}", (js_sys::Math::random() * 1e16) as u64));
    if let Some(storage) = storage {
        let _ = storage.set_item(VISITOR_KEY, &id);
    }
    id
}

/// The conversation in progress with a chatbot, if any.
pub fn conversation(chatbot_id: &str) -> Option<String> {
    local_storage()?.get_item(&format!("parlor:conversation:{chatbot_id}")).ok().flatten()
}

/// Remembers the conversation in progress with a chatbot.
pub fn set_conversation(chatbot_id: &str, conversation_id: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("parlor:conversation:{chatbot_id}"), conversation_id);
    }
}

/// Forgets the conversation with a chatbot (the server no longer knows it).
pub fn clear_conversation(chatbot_id: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&format!("parlor:conversation:{chatbot_id}"));
    }
}
