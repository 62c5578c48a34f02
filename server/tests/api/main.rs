//! The integration suite: the real server on port 0, over real HTTP, on SQLite and on
//! PostgreSQL. One binary, with a helpers module.

mod helpers;

mod chat;
mod chatbots;
mod cli;
mod errors;
mod health;
mod lifecycle;
mod widget;
