//! "Chatbots": the workspace's chatbots, each linking to its settings, and a form to create one
//! (which opens the new chatbot's settings).

use leptos::prelude::*;

use crate::api::chatbots::{CreateChatbot, list_chatbots};
use crate::components::{action_error, error_view, go};
use parlor_protocol::wire::{self, Chatbot};

#[island]
pub fn ChatbotsPage() -> impl IntoView {
    let create = ServerAction::<CreateChatbot>::new();
    let chatbots = Resource::new(move || create.version().get(), |_| list_chatbots());
    Effect::new(move |_| {
        if let Some(Ok(chatbot)) = create.value().get() {
            go(&format!("/chatbots/{}", chatbot.id));
        }
    });
    view! {
        <h1>"Chatbots"</h1>
        <p class="lead">"Each chatbot has its own settings, knowledge and conversations, and one snippet for your site."</p>
        <CreateChatbotForm create=create/>
        <section class="card" aria-labelledby="chatbot-list">
            <h2 id="chatbot-list">"Your chatbots"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || chatbots.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>"No chatbots yet."</p> }.into_any(),
                    Ok(list) => view! { <ChatbotTable chatbots=list/> }.into_any(),
                    Err(err) => error_view(err),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateChatbotForm(create: ServerAction<CreateChatbot>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let website = RwSignal::new(String::new());
    let welcome = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |text: String| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        create.dispatch(CreateChatbot {
            chatbot: wire::CreateChatbot {
                name: name.get(),
                website: optional(website.get()),
                welcome_message: optional(welcome.get()),
            },
        });
    };
    let waiting = crate::components::inert_until_hydrated();
    view! {
        <section class="card" aria-labelledby="create-chatbot">
            <h2 id="create-chatbot">"Create a chatbot"</h2>
            <form inert=waiting class="form" on:submit=submit data-testid="create-chatbot-form">
                <label for="chatbot-name">"Name"</label>
                <input id="chatbot-name" type="text" required=true maxlength="100" placeholder="Shop Helper"
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="chatbot-website">"Website"</label>
                <input id="chatbot-website" type="url" placeholder="https://shop.example.com"
                    prop:value=website on:input=move |ev| website.set(event_target_value(&ev))/>
                <label for="chatbot-welcome">"Welcome message"</label>
                <input id="chatbot-welcome" type="text" maxlength="500" placeholder="Hi! How can I help you today?"
                    prop:value=welcome on:input=move |ev| welcome.set(event_target_value(&ev))/>
                {action_error(create.value())}
                <button type="submit" disabled=move || create.pending().get()>"Create chatbot"</button>
            </form>
        </section>
    }
}

#[component]
fn ChatbotTable(chatbots: Vec<Chatbot>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="chatbot-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Website"</th>
                        <th scope="col">"AI"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>
                    {chatbots.into_iter().map(|bot| view! {
                        <tr data-testid="chatbot-row">
                            <td><a href=format!("/chatbots/{}", bot.id)>{bot.name.clone()}</a></td>
                            <td>{bot.website.clone().unwrap_or_default()}</td>
                            <td>{bot.settings.provider.clone()}</td>
                            <td>{bot.created_at.get(..10).unwrap_or(&bot.created_at).to_owned()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
