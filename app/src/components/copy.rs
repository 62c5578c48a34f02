//! Buttons that copy a text to the clipboard and say so.

use leptos::prelude::*;

/// A copy button inside an island, for a text the island knows.
#[component]
pub fn CopyButton(#[prop(into)] text: Signal<String>, #[prop(optional, into)] label: Option<String>) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let label = label.unwrap_or_else(|| "Copy".to_owned());
    let copy = move |_| {
        write_clipboard(&text.get_untracked());
        set_copied.set(true);
    };
    view! {
        <button type="button" class="secondary copy" on:click=copy>
            {move || if copied.get() { "Copied".to_owned() } else { label.clone() }}
        </button>
    }
}

/// A copy button for a server-rendered code block: it copies the text of the `<pre>` in the
/// element around it, so the code is sent once, in the page, and not again as the island's props.
#[island]
pub fn CopyCodeButton(label: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let button = NodeRef::<leptos::html::Button>::new();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(text) = button
            .get_untracked()
            .and_then(|button| button.closest(".code-block, .sdk-code").ok().flatten())
            .and_then(|block| block.query_selector("pre").ok().flatten())
            .and_then(|pre| pre.text_content())
        {
            write_clipboard(&text);
        }
        set_copied.set(true);
    };
    view! {
        <button type="button" class="secondary copy" node_ref=button on:click=copy>
            {move || if copied.get() { "Copied".to_owned() } else { label.clone() }}
        </button>
    }
}

fn write_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _promise = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
