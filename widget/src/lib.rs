//! The visitor chat widget: a client-side-rendered Leptos app that `public/widget.js` mounts
//! inside a Shadow DOM root on the host page, talking to Parlor's widget API over CORS.
//!
//! `lib.rs` holds what the page calls (`mount`, and the [`Handle`] behind `window.Parlor`);
//! `chat.rs` the shared state and the visitor's actions, `reply.rs` the bot's answers, `live.rs`
//! the people's replies, `page.rs` the events and identity the page sees, `view.rs` the view.

mod chat;
mod i18n;
mod live;
mod markdown;
mod net;
mod options;
mod page;
mod render;
mod reply;
mod storage;
mod view;

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::chat::Chat;
use crate::i18n::Lang;
use crate::options::Options;
use crate::page::Identity;
use crate::view::widget;

/// Mounts the widget into `target` (an element inside the loader's shadow root) and returns
/// the handle behind `window.Parlor`.
///
/// `options` is the object the loader builds from its script tag: `{backend, chatbotId, theme,
/// position, accent, mode, open, focus, language, frame}` (see `options.rs`), plus `emit`, the
/// loader's function that hands the widget's events (`open`, `close`, `message`, `lead`,
/// `identify`, `error`) to the page's listeners, and `identity`, an identity the page gave
/// before the widget loaded.
#[wasm_bindgen]
pub fn mount(target: web_sys::HtmlElement, options: &JsValue) -> Handle {
    let emit = js_sys::Reflect::get(options, &"emit".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let identity = js_sys::Reflect::get(options, &"identity".into()).ok().and_then(|v| Identity::from_js(&v));
    let options = Options::from_js(options);
    let slot = Rc::new(Cell::new(None));
    let filled = slot.clone();
    let handle = leptos::mount::mount_to(target, move || widget(options, emit, identity, &filled));
    // The widget lives as long as the page: `destroy` silences it and the loader removes its
    // element, but its reactive graph is not torn down under tasks that may still be running.
    handle.forget();
    Handle { chat: slot.get() }
}

/// `window.Parlor` once the widget has loaded: the loader calls these for the page.
#[wasm_bindgen]
pub struct Handle {
    chat: Option<Chat>,
}

#[wasm_bindgen]
impl Handle {
    /// Opens the panel and puts the focus in it (the page called it, usually from a click).
    pub fn open(&self) {
        if let Some(chat) = self.chat {
            chat.show(true);
        }
    }

    pub fn close(&self) {
        if let Some(chat) = self.chat {
            chat.hide();
        }
    }

    pub fn toggle(&self) {
        if let Some(chat) = self.chat {
            if chat.open.get_untracked() && !chat.inline { chat.hide() } else { chat.show(true) }
        }
    }

    /// `{id, name, email, hash}`: who the visitor is, checked by the server when `hash` is given.
    pub fn identify(&self, identity: &JsValue) {
        let Some(chat) = self.chat else { return };
        match Identity::from_js(identity) {
            Some(identity) => {
                chat.keep(|k| k.identity = Some(identity));
                chat.identify_now();
            }
            None => chat.report("identify needs an object with an id"),
        }
    }

    /// Switches the widget's language (`en`, `de`, `fr`, `es`, `pt`, `ja`, or a regional tag of
    /// one of them); another tag is ignored with a warning.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: &str) {
        let Some(chat) = self.chat else { return };
        match Lang::parse(tag) {
            Some(lang) => chat.set_lang(lang),
            None => web_sys::console::warn_1(
                &["[parlor] no translation for ", tag, "; keeping the language"].concat().into(),
            ),
        }
    }

    /// Opens the panel and sends `text` as the visitor's message.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, text: &str) {
        if let Some(chat) = self.chat {
            chat.show(false);
            chat.send_from_page(text.trim().to_owned());
        }
    }

    /// Stops everything the widget does (its streams, its events); the loader removes it.
    pub fn destroy(&mut self) {
        if let Some(chat) = self.chat.take() {
            chat.keep(|k| k.queued.clear());
            chat.stop();
            chat.unfollow();
            chat.keep(|k| k.emit = None);
        }
    }
}
