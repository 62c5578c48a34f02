//! The developer docs' content, generated from Parlor's own definitions so that it cannot drift
//! from the code: the operations of the OpenAPI document with code samples in four languages,
//! the error catalogue, the scopes, the webhook signature guide, and the changelog parsed from
//! CHANGELOG.md. No HTTP and no portal code here: the portal renders what these functions return.

mod changelog;
mod errors;
mod reference;
mod samples;
mod webhook_example;

pub use changelog::{Section, Version, anchor_of, changelog, parse_changelog};
pub use errors::{ERROR_CODES, ErrorCode, PORTAL_ONLY_CODES, scope_description};
pub use reference::{
    CHATBOT_PLACEHOLDER, Field, Operation, PLATFORM_API_BASE, Parameter, Response, call_for, dialect_operations,
    operations, quick_start_calls,
};
pub use samples::{Body, Call, KEY_PLACEHOLDER, Language, sample};
pub use webhook_example::{SignedExample, signed_example, verification_snippets};
