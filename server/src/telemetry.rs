//! Structured logging with `tracing`: human-readable text by default, JSON lines when
//! `PARLOR_LOG_FORMAT=json`. The level comes from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber; logs go to standard error so standard output stays free for
/// command results (such as the key printed by `parlor key create`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // Ignoring the error is right: it only means a subscriber is already installed (in tests).
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Replaces anything shaped like an API key (`sk_`/`pk_` and a long base62 run) with a
/// redaction mark, so that a key pasted into a URL never reaches the logs.
pub fn redact_keys(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("sk_") && !text.contains("pk_") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sk_").into_iter().chain(rest.find("pk_")).min() {
        // A key has 38 characters after its prefix; capping the run keeps two keys written
        // back to back from hiding the second one's prefix inside the first one's run.
        let run = rest[at + 3..].bytes().take(38).take_while(u8::is_ascii_alphanumeric).count();
        if run >= 16 {
            out.push_str(&rest[..at + 3]);
            out.push_str("[redacted]");
        } else {
            out.push_str(&rest[..at + 3 + run]);
        }
        rest = &rest[at + 3 + run..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shaped_text_is_redacted_and_the_rest_kept() {
        let key = "sk_abcdefghijklmnopqrstuvwxyz0123456789AB";
        assert_eq!(redact_keys(&format!("/api/x/{key}/y")), "/api/x/sk_[redacted]/y");
        assert_eq!(redact_keys("/api/task_list/pk_short"), "/api/task_list/pk_short");
        assert_eq!(redact_keys("/plain/path"), "/plain/path");
        assert_eq!(redact_keys(&format!("{key}{key}")), "sk_[redacted]sk_[redacted]");
    }
}
