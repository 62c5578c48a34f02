//! The error catalogue and what each scope allows, as the errors and authentication guides list them.

use crate::keys::Scope;

/// One API error code, as the errors guide lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub status: u16,
    pub code: &'static str,
    pub meaning: &'static str,
}

/// Every error code the API answers with. A unit test ties this list to [`crate::Error`]'s
/// variants and to every `unauthorized`/`forbidden` code in the server's sources.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        status: 400,
        code: "BAD_REQUEST",
        meaning: "The request is malformed, such as JSON that does not parse or a query that does not fit.",
    },
    ErrorCode { status: 401, code: "MISSING_API_KEY", meaning: "No API key: send `Authorization: Bearer <key>`." },
    ErrorCode {
        status: 401,
        code: "MALFORMED_API_KEY",
        meaning: "The Authorization header or the key is not well-formed (its checksum catches typos).",
    },
    ErrorCode { status: 401, code: "INVALID_API_KEY", meaning: "No such key." },
    ErrorCode {
        status: 401,
        code: "REVOKED_API_KEY",
        meaning: "The key was revoked (or rolled, and its overlap is over).",
    },
    ErrorCode { status: 401, code: "EXPIRED_API_KEY", meaning: "The key's expiry time has passed." },
    ErrorCode {
        status: 403,
        code: "MISSING_SCOPE",
        meaning: "The key does not hold the scope this endpoint needs; the message names it.",
    },
    ErrorCode {
        status: 403,
        code: crate::error::ORIGIN_NOT_ALLOWED,
        meaning: "The request's `Origin` is not one the key (or the chatbot's widget) allows.",
    },
    ErrorCode {
        status: 403,
        code: crate::identity::IDENTITY_NOT_VERIFIED,
        meaning: "A visitor identity's hash does not match the chatbot's identity secret.",
    },
    ErrorCode {
        status: 404,
        code: "NOT_FOUND",
        meaning: "No such resource in your workspace (another workspace's resources look the same).",
    },
    ErrorCode {
        status: 405,
        code: "METHOD_NOT_ALLOWED",
        meaning: "The path exists but not with this HTTP method; `Allow` lists the methods.",
    },
    ErrorCode { status: 409, code: "CONFLICT", meaning: "The request conflicts with the resource's current state." },
    ErrorCode {
        status: 413,
        code: "PAYLOAD_TOO_LARGE",
        meaning: "The body (or the uploaded file) is larger than allowed.",
    },
    ErrorCode {
        status: 415,
        code: "UNSUPPORTED_MEDIA_TYPE",
        meaning: "The body's content type (or the file's format) is not accepted here.",
    },
    ErrorCode {
        status: 422,
        code: "VALIDATION_FAILED",
        meaning: "The request is well-formed but a value is not acceptable; the message says which.",
    },
    ErrorCode { status: 429, code: "RATE_LIMITED", meaning: "A rate limit was reached; wait `Retry-After` seconds." },
    ErrorCode {
        status: 500,
        code: "INTERNAL",
        meaning: "Parlor failed; the request id finds the cause in the server's log.",
    },
];

/// Codes of the portal's sign-in and team pages, which the API never sends.
pub const PORTAL_ONLY_CODES: &[&str] = &["INVALID_CREDENTIALS", "OWNER_ONLY"];

/// What a scope allows, as the authentication guide lists it.
pub fn scope_description(scope: Scope) -> &'static str {
    match scope {
        Scope::ChatbotsRead => "List and read chatbots and their settings.",
        Scope::ChatbotsWrite => "Create, change and delete chatbots, and manage their identity secrets.",
        Scope::ChatWrite => "Send chat messages and read or stop answers (the only scope of publishable keys).",
        Scope::ConversationsRead => "List and read conversations and their messages, and export them.",
        Scope::ConversationsWrite => "Reply as an agent, end, tag and delete conversations.",
        Scope::KnowledgeRead => "List knowledge sources, their pages and their progress.",
        Scope::KnowledgeWrite => "Add, refresh and delete knowledge: Q&A pairs, texts, pages, crawls and uploads.",
        Scope::LeadsRead => "List and export leads.",
        Scope::ContactsRead => "List and read contacts.",
        Scope::ContactsWrite => "Create, change, import and delete contacts.",
        Scope::WebhooksRead => "List webhook endpoints, events and deliveries.",
        Scope::WebhooksWrite => "Create, change, test, rotate and delete webhook endpoints, and redeliver events.",
        Scope::UsageRead => "Read usage reports.",
        Scope::KeysWrite => "Create, list, roll and revoke API keys (never with more scopes than the key itself).",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::error::Error;

    /// One error of each variant. The match below stops compiling when a variant is added, so
    /// the catalogue cannot miss it.
    fn one_of_each_variant() -> Vec<Error> {
        let all = vec![
            Error::BadRequest("x".into()),
            Error::unauthorized("MISSING_API_KEY", "x"),
            Error::forbidden("MISSING_SCOPE", "x"),
            Error::NotFound("thing"),
            Error::Conflict("x".into()),
            Error::PayloadTooLarge("x".into()),
            Error::UnsupportedMediaType("x".into()),
            Error::Validation("x".into()),
            Error::MethodNotAllowed("x".into()),
            Error::RateLimited { message: "x".into(), retry_after_secs: 1 },
            Error::Database(sqlx::Error::PoolTimedOut),
            Error::Internal(anyhow::anyhow!("x")),
        ];
        for error in &all {
            match error {
                Error::BadRequest(_)
                | Error::Unauthorized { .. }
                | Error::Forbidden { .. }
                | Error::NotFound(_)
                | Error::Conflict(_)
                | Error::PayloadTooLarge(_)
                | Error::UnsupportedMediaType(_)
                | Error::Validation(_)
                | Error::MethodNotAllowed(_)
                | Error::RateLimited { .. }
                | Error::Database(_)
                | Error::Internal(_) => {}
            }
        }
        all
    }

    #[tokio::test]
    async fn the_error_catalogue_lists_every_variant_with_the_status_and_code_the_api_sends() {
        use axum::response::IntoResponse;
        for error in one_of_each_variant() {
            let label = format!("{error:?}");
            let response = error.into_response();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            let code = body["error"]["code"].as_str().unwrap().to_owned();
            assert!(
                ERROR_CODES.iter().any(|entry| entry.code == code && entry.status == status),
                "{label} answers {status} {code}, which the catalogue does not list"
            );
        }
    }

    /// The first argument of each `unauthorized(`/`forbidden(` call in the server's sources: a
    /// string literal, or a constant whose value is found in the sources.
    fn codes_in_sources() -> Vec<String> {
        fn walk(dir: &std::path::Path, files: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, files);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("docs.rs")
                    && !path.ends_with("docs/errors.rs")
                {
                    files.push(std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let mut files = Vec::new();
        walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let constant = |name: &str| {
            let needle = format!("pub const {name}: &str = \"");
            files.iter().find_map(|text| {
                let start = text.find(&needle)? + needle.len();
                text[start..].split('"').next().map(str::to_owned)
            })
        };
        let mut codes = Vec::new();
        for text in &files {
            for call in ["unauthorized(", "forbidden("] {
                for (at, _) in text.match_indices(call) {
                    let rest = text[at + call.len()..].trim_start();
                    if let Some(literal) = rest.strip_prefix('"') {
                        codes.push(literal.split('"').next().unwrap().to_owned());
                    } else {
                        let path: String =
                            rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
                        let name = path.rsplit("::").next().unwrap_or_default();
                        if !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                            codes.push(constant(name).unwrap_or_else(|| panic!("the constant {name} is not found")));
                        }
                    }
                }
            }
        }
        codes
    }

    #[test]
    fn every_unauthorized_and_forbidden_code_in_the_sources_is_in_the_catalogue() {
        let codes = codes_in_sources();
        assert!(codes.iter().any(|c| c == "REVOKED_API_KEY") && codes.iter().any(|c| c == "ORIGIN_NOT_ALLOWED"));
        for code in codes {
            assert!(
                ERROR_CODES.iter().any(|entry| entry.code == code) || PORTAL_ONLY_CODES.contains(&code.as_str()),
                "{code} is sent by the server but missing from docs::ERROR_CODES"
            );
        }
    }
}
