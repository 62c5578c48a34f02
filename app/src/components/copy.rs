//! A button that copies a text to the clipboard and says so.

use leptos::prelude::*;

#[component]
pub fn CopyButton(#[prop(into)] text: Signal<String>, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let label = label.unwrap_or_else(|| "Copy".to_owned());
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _promise = window().navigator().clipboard().write_text(&text.get_untracked());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
        set_copied.set(true);
    };
    view! {
        <button type="button" class="secondary copy" on:click=copy>
            {move || if copied.get() { "Copied".to_owned() } else { label.clone() }}
        </button>
    }
}
