//! The webhook verification guide's worked example and receivers' verification code.

use super::samples::Language;

/// A delivery signed with a made-up secret, computed by [`crate::webhooks::signing`], so
/// readers can check their verification code against it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedExample {
    pub secret: String,
    pub id: String,
    pub timestamp: i64,
    pub body: String,
    /// The `webhook-signature` header.
    pub standard: String,
    /// The `X-Parlor-Signature` header.
    pub simple: String,
}

/// The worked example of the webhook verification guide.
pub fn signed_example() -> SignedExample {
    use crate::webhooks::{events, signing};
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
    let id = "wdl_2mC8pQz7Hd2kLm".to_owned();
    let timestamp = 1_776_004_200;
    let body = events::find(events::PING).map(events::EventKind::example_body).unwrap_or_default().to_string();
    SignedExample {
        standard: signing::standard_signature(&[&secret], &id, timestamp, body.as_bytes()),
        simple: signing::simple_signature(&[&secret], body.as_bytes()),
        secret,
        id,
        timestamp,
        body,
    }
}

/// Receivers' code that verifies a delivery's Standard Webhooks signature, per language (curl
/// has none).
pub fn verification_snippets() -> Vec<(Language, &'static str)> {
    vec![(Language::JavaScript, VERIFY_JS), (Language::Python, VERIFY_PYTHON), (Language::Rust, VERIFY_RUST)]
}

const VERIFY_JS: &str = r#"import crypto from "node:crypto";

// `rawBody`: the request body exactly as received (a string or Buffer, before JSON parsing).
export function verifyParlorWebhook(rawBody, headers, secret, toleranceSeconds = 300) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = crypto.createHmac("sha256", key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  // During a secret rotation the header holds one `v1,<signature>` per secret.
  return headers["webhook-signature"].split(" ").some((entry) => {
    if (!entry.startsWith("v1,")) return false;
    const given = Buffer.from(entry.slice(3), "base64");
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

// The simpler header: the hex HMAC-SHA256 of the body, keyed by the whole secret string.
export function verifyParlorSignature(rawBody, header, secret) {
  const expected = Buffer.from(crypto.createHmac("sha256", secret).update(rawBody).digest("hex"));
  return header.split(",").some((value) => {
    const given = Buffer.from(value.trim());
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}
"#;

const VERIFY_PYTHON: &str = r#"import base64
import hashlib
import hmac
import time


def verify_parlor_webhook(raw_body: bytes, headers, secret: str, tolerance_seconds: int = 300) -> bool:
    """`raw_body`: the request body exactly as received, before JSON parsing."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_seconds:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a secret rotation the header holds one `v1,<signature>` per secret.
    return any(
        hmac.compare_digest(entry[3:], expected)
        for entry in headers["webhook-signature"].split(" ")
        if entry.startswith("v1,")
    )


def verify_parlor_signature(raw_body: bytes, header: str, secret: str) -> bool:
    """The simpler header: the hex HMAC-SHA256 of the body, keyed by the whole secret string."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(value.strip(), expected) for value in header.split(","))
"#;

const VERIFY_RUST: &str = r#"// Cargo.toml: hmac, sha2, base64
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `raw_body`: the request body exactly as received; `now`: Unix seconds.
fn verify_parlor_webhook(raw_body: &[u8], id: &str, timestamp: &str, signatures: &str, secret: &str, now: i64) -> bool {
    let Ok(sent) = timestamp.parse::<i64>() else { return false };
    if (now - sent).abs() > 300 {
        return false;
    }
    let Ok(key) = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)) else { return false };
    // During a secret rotation the header holds one `v1,<signature>` per secret.
    signatures.split(' ').filter_map(|entry| entry.strip_prefix("v1,")).any(|signature| {
        let Ok(given) = STANDARD.decode(signature) else { return false };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else { return false };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(raw_body);
        // verify_slice compares in constant time.
        mac.verify_slice(&given).is_ok()
    })
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_webhook_example_verifies_as_a_receiver_checks_it() {
        let example = signed_example();
        let checked = crate::webhooks::signing::verify_standard(
            &example.secret,
            &example.id,
            example.timestamp,
            &example.standard,
            example.body.as_bytes(),
            example.timestamp,
            300,
        );
        assert_eq!(checked, Ok(()));
        assert_eq!(example.simple.len(), 64);
        assert!(example.body.contains("\"event\":\"ping\""));
        for (_, snippet) in verification_snippets() {
            assert!(snippet.contains("webhook-signature") || snippet.contains("signatures"), "{snippet}");
            assert!(snippet.contains("whsec_"));
        }
    }
}
