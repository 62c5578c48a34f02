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

/// A copy button for a server-rendered code block: [`COPY_SCRIPT`] copies the text of the
/// `<pre>` in the element around it. It is not an island, so a page of docs loads no WASM for it.
#[component]
pub fn CopyCodeButton(label: String) -> impl IntoView {
    let text = label.clone();
    view! { <button type="button" class="secondary copy" data-copy=label>{text}</button> }
}

/// The copy buttons' few lines of script, in every portal page: one listener for the whole page,
/// so code rendered later (a page of the reference) needs nothing more. When the clipboard
/// refuses, the code is selected for the visitor to copy.
pub const COPY_SCRIPT: &str = r#"document.addEventListener("click",function(e){var b=e.target.closest&&e.target.closest("button[data-copy]"),w=b&&b.closest(".code-block, .sdk-code"),p=w&&w.querySelector("pre");if(!p)return;function say(t){b.textContent=t;clearTimeout(b.parlorTimer);b.parlorTimer=setTimeout(function(){b.textContent=b.dataset.copy},2500)}(navigator.clipboard?navigator.clipboard.writeText(p.textContent):Promise.reject()).then(function(){say("Copied")},function(){getSelection().selectAllChildren(p);say("Selected: copy it with your keyboard")})});"#;

/// Hides the copy buttons from a browser without script, where they could do nothing.
pub const NO_SCRIPT_STYLE: &str = "button[data-copy]{display:none}";

fn write_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _promise = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
