//! What the widget remembers in the host page's localStorage: the visitor's id, the current
//! conversation per chatbot (so a reload continues it) and whether the visitor has left their
//! details (so the lead form is not shown again).

const VISITOR_KEY: &str = "parlor:visitor";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// The visitor's id, created on first use. Pages that block storage get a new id each load.
pub fn visitor_id() -> String {
    if let Some(existing) = get(VISITOR_KEY) {
        return existing;
    }
    let random = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid().replace('-', ""))
        // An integer: formatting a float would bring 15 KB of float printing into the WASM.
        .unwrap_or_else(|| ((js_sys::Math::random() * 1e16) as u64).to_string());
    let id = ["vis_", &random].concat();
    set(VISITOR_KEY, &id);
    id
}

fn conversation_key(chatbot_id: &str) -> String {
    ["parlor:conversation:", chatbot_id].concat()
}

/// The conversation in progress with a chatbot, if any.
pub fn conversation(chatbot_id: &str) -> Option<String> {
    get(&conversation_key(chatbot_id))
}

/// Remembers the conversation in progress with a chatbot.
pub fn set_conversation(chatbot_id: &str, conversation_id: &str) {
    set(&conversation_key(chatbot_id), conversation_id);
}

/// Forgets the conversation with a chatbot (the server no longer knows it, or the visitor
/// started a new one).
pub fn clear_conversation(chatbot_id: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&conversation_key(chatbot_id));
    }
}

fn lead_key(chatbot_id: &str) -> String {
    ["parlor:lead:", chatbot_id].concat()
}

/// Whether the visitor has already left their details for this chatbot.
pub fn lead_given(chatbot_id: &str) -> bool {
    get(&lead_key(chatbot_id)).is_some()
}

/// Remembers that the visitor has left their details.
pub fn set_lead_given(chatbot_id: &str) {
    set(&lead_key(chatbot_id), "1");
}
