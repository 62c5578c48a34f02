//! One module per portal page.

pub mod changelog;
pub mod chatbot;
pub mod chatbots;
pub mod dashboard;
pub mod docs;
pub mod home;
pub mod inbox;
pub mod invite;
pub mod keys;
pub mod knowledge;
pub mod not_found;
pub mod sign_in;
pub mod sign_up;
pub mod team;
pub mod usage;
pub mod webhook;
pub mod webhooks;
pub mod widget_sdk;
