//! Resource identifiers: a short type prefix and 20 random base62 characters (about 119 bits),
//! such as `bot_4Fq9…`, so an id says what it names and cannot be guessed.

use rand::Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Random base62 text of `len` characters from the operating system's CSPRNG.
pub fn random_base62(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| BASE62[rng.random_range(0..BASE62.len())] as char).collect()
}

/// A new identifier with the given prefix, such as `new_id("bot")`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", random_base62(20))
}

/// Encodes a number in base62 with a fixed width (left-padded with zeros).
pub fn base62_fixed(mut value: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Whether `text` consists only of base62 characters.
pub fn is_base62(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Milliseconds since the Unix epoch, the one time format stored in the database.
pub fn now_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    i64::try_from(nanos / 1_000_000).unwrap_or(i64::MAX)
}

/// Formats stored milliseconds as RFC 3339 (UTC), the one time format of the API.
pub fn rfc3339(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Reads an RFC 3339 time into milliseconds; `field` names it in the error.
pub fn parse_rfc3339(text: &str, field: &str) -> crate::error::Result<i64> {
    let parsed =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).map_err(|_| {
            crate::error::Error::Validation(format!(
                "{field}: {text:?} is not an RFC 3339 time such as 2026-12-31T23:59:59Z"
            ))
        })?;
    Ok(i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_twenty_base62_characters() {
        let id = new_id("bot");
        let (prefix, rest) = id.split_once('_').unwrap();
        assert_eq!(prefix, "bot");
        assert_eq!(rest.len(), 20);
        assert!(is_base62(rest));
        assert_ne!(new_id("bot"), id);
    }

    #[test]
    fn base62_fixed_pads_and_encodes() {
        assert_eq!(base62_fixed(0, 3), "000");
        assert_eq!(base62_fixed(61, 2), "0z");
        assert_eq!(base62_fixed(62, 2), "10");
    }

    #[test]
    fn timestamps_format_as_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_708_700_000_123), "2024-02-23T14:53:20.123Z");
    }
}
