//! The integration suite: the real server on port 0, over real HTTP, on SQLite and on
//! PostgreSQL. One binary, with a helpers module.

#![allow(clippy::unwrap_used, reason = "in tests a failed unwrap is a failed test, with its location")]
#![allow(clippy::print_stderr, reason = "a skipped PostgreSQL test says so on standard error")]

mod helpers;

mod accounts;
mod chat;
mod chatbots;
mod cli;
mod conversations;
mod errors;
mod feedback;
mod handoff;
mod health;
mod ingest;
mod keys;
mod knowledge;
mod knowledge_crawl;
mod knowledge_eval;
mod knowledge_hybrid;
mod knowledge_upload;
mod leads;
mod lifecycle;
mod limits;
mod migrations;
mod openapi;
mod platform_api;
mod portal_chatbots;
mod portal_dashboard;
mod portal_docs;
mod portal_knowledge;
mod portal_preview;
mod portal_webhooks;
mod providers;
mod resume;
mod tenancy;
mod usage;
mod webhook_crash;
mod webhooks;
mod widget;
