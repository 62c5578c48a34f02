//! Webhook signatures, two ways over the same raw body:
//!
//! - the Standard Webhooks scheme (<https://www.standardwebhooks.com/>): headers `webhook-id`,
//!   `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
//!   keyed by the base64-decoded part of the `whsec_…` secret, one entry per active secret;
//! - `X-Parlor-Signature: <hex HMAC-SHA256 of the body>` keyed by the whole secret string, as
//!   simple receivers (and the seeds' examples) compute it; during a rotation it holds one
//!   value per active secret, separated by commas.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", BASE64.encode(key))
}

/// The HMAC key of a secret in the Standard Webhooks scheme.
fn standard_key(secret: &str) -> Vec<u8> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    BASE64.decode(encoded).unwrap_or_else(|_| encoded.as_bytes().to_vec())
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The `webhook-signature` header value for the given secrets.
pub fn standard_signature(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    secrets
        .iter()
        .map(|secret| {
            let mac = hmac(&standard_key(secret), &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
            format!("v1,{}", BASE64.encode(mac))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `X-Parlor-Signature` header value for the given secrets.
pub fn simple_signature(secrets: &[&str], body: &[u8]) -> String {
    secrets.iter().map(|secret| hex(&hmac(secret.as_bytes(), &[body]))).collect::<Vec<_>>().join(",")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No signature matches any of the receiver's secrets.
    Mismatch,
    /// The timestamp is further than the tolerance from now (a replay, or a wrong clock).
    Stale,
}

/// Verifies a Standard Webhooks delivery as a receiver would: any `v1` entry that matches the
/// secret, and a timestamp within `tolerance_secs` of `now`. Parlor uses it in its tests and in
/// the docs' examples; it is the reference for what receivers must check.
pub fn verify_standard(
    secret: &str,
    id: &str,
    timestamp: i64,
    signature_header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), Invalid> {
    if (now - timestamp).abs() > tolerance_secs {
        return Err(Invalid::Stale);
    }
    let timestamp_text = timestamp.to_string();
    let key = standard_key(secret);
    let matches = signature_header.split(' ').filter_map(|entry| entry.strip_prefix("v1,")).any(|sig| {
        BASE64.decode(sig).is_ok_and(|given| {
            // verify_slice compares in constant time.
            let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
            for part in [id.as_bytes(), b".", timestamp_text.as_bytes(), b".", body] {
                mac.update(part);
            }
            mac.verify_slice(&given).is_ok()
        })
    });
    if matches { Ok(()) } else { Err(Invalid::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"event":"ping","timestamp":"2026-04-12T14:30:00Z","data":{}}"#;

    #[test]
    fn a_signature_made_with_the_secret_verifies() {
        let secret = new_secret();
        let header = standard_signature(&[&secret], "wdl_1", 1_700_000_000, BODY);
        assert!(header.starts_with("v1,"));
        assert_eq!(verify_standard(&secret, "wdl_1", 1_700_000_000, &header, BODY, 1_700_000_010, 300), Ok(()));
    }

    #[test]
    fn during_a_rotation_both_secrets_sign_and_either_verifies() {
        let (old, new) = (new_secret(), new_secret());
        let header = standard_signature(&[&new, &old], "wdl_1", 1_700_000_000, BODY);
        assert_eq!(header.split(' ').count(), 2);
        for secret in [&old, &new] {
            assert_eq!(verify_standard(secret, "wdl_1", 1_700_000_000, &header, BODY, 1_700_000_000, 300), Ok(()));
        }
        let simple = simple_signature(&[&new, &old], BODY);
        assert_eq!(simple.split(',').count(), 2);
        assert!(simple.split(',').any(|sig| sig == simple_signature(&[&old], BODY)));
    }

    #[test]
    fn a_tampered_body_a_wrong_secret_or_another_id_does_not_verify() {
        let secret = new_secret();
        let header = standard_signature(&[&secret], "wdl_1", 1_700_000_000, BODY);
        let tampered = br#"{"event":"ping","timestamp":"2026-04-12T14:30:00Z","data":{"x":1}}"#;
        assert_eq!(
            verify_standard(&secret, "wdl_1", 1_700_000_000, &header, tampered, 1_700_000_000, 300),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            verify_standard(&new_secret(), "wdl_1", 1_700_000_000, &header, BODY, 1_700_000_000, 300),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            verify_standard(&secret, "wdl_2", 1_700_000_000, &header, BODY, 1_700_000_000, 300),
            Err(Invalid::Mismatch)
        );
        assert_eq!(
            verify_standard(&secret, "wdl_1", 1_700_000_000, "v1,AAAA", BODY, 1_700_000_000, 300),
            Err(Invalid::Mismatch)
        );
    }

    #[test]
    fn a_stale_timestamp_is_refused_even_with_a_good_signature() {
        let secret = new_secret();
        let header = standard_signature(&[&secret], "wdl_1", 1_700_000_000, BODY);
        assert_eq!(
            verify_standard(&secret, "wdl_1", 1_700_000_000, &header, BODY, 1_700_000_301, 300),
            Err(Invalid::Stale)
        );
    }

    #[test]
    fn the_simple_signature_is_the_hex_hmac_of_the_body_keyed_by_the_whole_secret() {
        // The vector from RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            simple_signature(&["Jefe"], b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_standard_signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let header = standard_signature(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
