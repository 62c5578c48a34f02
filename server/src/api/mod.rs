//! The HTTP layer: extractors, the error response, and one module of handlers per resource.
//! Only this module, the portal, `web/` (what both stand on) and `router.rs` know about axum and
//! JSON shapes; this module never imports the portal, nor the portal this module.

pub mod chat;
pub mod chatbots;
pub mod conversations;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod health;
pub mod keys;
pub mod knowledge;
pub mod leads;
pub mod limits;
pub mod openapi;
pub mod platform;
pub mod usage;
pub mod webhooks;
pub mod widget;
