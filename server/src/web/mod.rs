//! What both HTTP adapters stand on: the JSON API (`api/`) and the portal (`portal/`) never
//! import each other, and what they share is here: the SSE encoding, the origin checks (with
//! the [`origin::PublicChatbot`] extractor of the widget's endpoints), the presenters that turn
//! domain records into wire types, and the actions both surfaces perform, which also wake the
//! webhook dispatcher, the live streams and the knowledge jobs after they write.

pub mod actions;
pub mod origin;
pub mod present;
pub mod sse;
