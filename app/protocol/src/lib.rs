//! Parlor's wire protocol, shared by the server (which produces it), the portal and the widget
//! (which consume it), and the server's model providers (which parse other servers' streams).
//!
//! This crate holds no framework code on purpose: a WASM that links a crate with Leptos
//! `#[island]` components exports every island, so the widget must link these types from here,
//! never from the portal crate (`scripts/measure-widget.sh` fails when it does).

pub mod sse;
pub mod wire;
