//! Secret keys: recognising them, naming them without revealing them, and
//! deriving stable instance ids from them.
//!
//! Past the `Authorization` header the emulator deals only in fingerprints
//! (`sk_test_…1a2b3c4d`): they appear in the request log, the state file and
//! the control API, so a key never has to be written anywhere. The ellipsis
//! keeps a fingerprint from looking like a well-formed key itself.

use std::borrow::Cow;
use std::fmt;

/// FNV-1a, 64 bit. Not cryptographic; it only has to be stable across
/// restarts (so a key finds its persisted instance again) and cheap.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Development or production, as told by the key prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    /// The `environment_type` string Clerk uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }

    pub fn parse(text: &str) -> Option<Environment> {
        match text {
            "development" => Some(Environment::Development),
            "production" => Some(Environment::Production),
            _ => None,
        }
    }

    fn key_prefix(self) -> &'static str {
        match self {
            Environment::Development => TEST_PREFIX,
            Environment::Production => LIVE_PREFIX,
        }
    }
}

const TEST_PREFIX: &str = "sk_test_";
const LIVE_PREFIX: &str = "sk_live_";
/// Shortest secret part accepted; real keys are much longer.
const MIN_SECRET_LEN: usize = 8;

/// A well-formed secret key. Deliberately without `Display`, and with a
/// `Debug` that prints only the fingerprint, so it cannot reach a log line.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretKey(String);

impl SecretKey {
    /// Accepts `sk_test_` or `sk_live_` followed by 8+ ASCII letters/digits.
    pub fn parse(text: &str) -> Option<SecretKey> {
        key_environment(text)?;
        Some(SecretKey(text.to_string()))
    }

    pub fn environment(&self) -> Environment {
        key_environment(&self.0).unwrap_or(Environment::Development)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.fingerprint())
    }
}

fn key_environment(text: &str) -> Option<Environment> {
    let (env, secret) = if let Some(rest) = text.strip_prefix(TEST_PREFIX) {
        (Environment::Development, rest)
    } else if let Some(rest) = text.strip_prefix(LIVE_PREFIX) {
        (Environment::Production, rest)
    } else {
        return None;
    };
    let well_formed =
        secret.len() >= MIN_SECRET_LEN && secret.bytes().all(|b| b.is_ascii_alphanumeric());
    well_formed.then_some(env)
}

/// Names any presented token without revealing it: the key prefix (when it
/// has one) plus the first 8 hex digits of its FNV-1a hash.
pub fn fingerprint(token: &str) -> String {
    let hash = format!("{:016x}", fnv1a64(token.as_bytes()));
    let prefix = match key_environment(token) {
        Some(env) => env.key_prefix(),
        None if token.starts_with(TEST_PREFIX) => TEST_PREFIX,
        None if token.starts_with(LIVE_PREFIX) => LIVE_PREFIX,
        None => "token_",
    };
    format!("{prefix}…{}", &hash[..8])
}

/// True for strings shaped like the output of [`fingerprint`] for a key; the
/// state file accepts nothing else as an instance's name.
pub fn is_key_fingerprint(text: &str) -> bool {
    [TEST_PREFIX, LIVE_PREFIX].iter().any(|prefix| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('…'))
            .is_some_and(|hex| hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// The environment a key fingerprint belongs to.
pub fn fingerprint_environment(fingerprint: &str) -> Environment {
    if fingerprint.starts_with(LIVE_PREFIX) {
        Environment::Production
    } else {
        Environment::Development
    }
}

/// 24 hex digits derived from `seed` and a purpose label, so ids for
/// different objects of the same instance differ.
fn derived_hex(label: &str, seed: &str) -> String {
    let first = fnv1a64(format!("{label}:{seed}").as_bytes());
    let second = fnv1a64(format!("{seed}:{label}").as_bytes());
    format!("{first:016x}{:08x}", second >> 32)
}

/// `ins_` + 24 characters, stable for a fingerprint.
pub fn instance_id(fingerprint: &str) -> String {
    format!("ins_{}", derived_hex("instance", fingerprint))
}

/// `dmn_` + 24 characters, stable for an instance id.
pub fn domain_id(instance_id: &str) -> String {
    format!("dmn_{}", derived_hex("domain", instance_id))
}

/// Replaces anything that looks like a secret key (and the presented bearer
/// token, if long enough to be unambiguous) with its fingerprint, so request
/// bodies and headers can be logged even if a client misplaces a key.
pub fn redact<'a>(text: &'a str, token: Option<&str>) -> Cow<'a, str> {
    let mut text = Cow::Borrowed(text);
    if let Some(token) = token.filter(|t| t.len() >= MIN_SECRET_LEN) {
        if text.contains(token) {
            text = Cow::Owned(text.replace(token, &fingerprint(token)));
        }
    }
    if !text.contains("sk_") {
        return text;
    }
    let source = text.as_ref();
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = source[search..].find("sk_") {
        let start = search + found;
        let after_prefix = start + TEST_PREFIX.len();
        let prefixed =
            source[start..].starts_with(TEST_PREFIX) || source[start..].starts_with(LIVE_PREFIX);
        if !prefixed {
            search = start + 3;
            continue;
        }
        let mut end = after_prefix;
        while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if end - after_prefix >= MIN_SECRET_LEN {
            out.push_str(&source[copied..start]);
            out.push_str(&fingerprint(&source[start..end]));
            copied = end;
        }
        search = end;
    }
    if copied == 0 {
        return text;
    }
    out.push_str(&source[copied..]);
    Cow::Owned(out)
}

/// Whether `text` holds something shaped like a secret key.
pub fn looks_like_key(text: &str) -> bool {
    matches!(redact(text, None), Cow::Owned(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_well_formed_keys() {
        assert!(SecretKey::parse("sk_test_abcdEFGH1234").is_some());
        assert!(SecretKey::parse("sk_live_abcdefgh").is_some());
        assert!(SecretKey::parse("sk_test_abc").is_none());
        assert!(SecretKey::parse("sk_test_abcdefg!").is_none());
        assert!(SecretKey::parse("pk_test_abcdefgh").is_none());
        assert!(SecretKey::parse("").is_none());
        let live = SecretKey::parse("sk_live_abcdefgh").map(|k| k.environment());
        assert_eq!(live, Some(Environment::Production));
    }

    #[test]
    fn fingerprint_hides_the_key_and_is_stable() {
        let key = "sk_test_SuperSecretValue123";
        let fp = fingerprint(key);
        assert!(fp.starts_with("sk_test_…"));
        assert!(!fp.contains("SuperSecret"));
        assert_eq!(fp, fingerprint(key));
        assert!(is_key_fingerprint(&fp));
        assert!(
            SecretKey::parse(&fp).is_none(),
            "a fingerprint must not pass as a key"
        );
        assert_ne!(fp, fingerprint("sk_test_SuperSecretValue124"));
        assert!(fingerprint("Bearer-ish").starts_with("token_…"));
        let debug = format!("{:?}", SecretKey::parse(key));
        assert!(!debug.contains("SuperSecret"));
    }

    #[test]
    fn ids_are_stable_and_shaped() {
        let id = instance_id("sk_test_…01234567");
        assert_eq!(id, instance_id("sk_test_…01234567"));
        assert_eq!(id.len(), 4 + 24);
        assert!(id.starts_with("ins_"));
        assert_ne!(id, instance_id("sk_test_…01234568"));
        assert!(domain_id(&id).starts_with("dmn_"));
    }

    #[test]
    fn redacts_keys_anywhere() {
        let text = r#"{"a":"sk_live_abcdefgh12","b":"sk_test_short","c":"é sk_test_ABCDEFGHIJ/x"}"#;
        let out = redact(text, None);
        assert!(!out.contains("abcdefgh12"));
        assert!(!out.contains("ABCDEFGHIJ"));
        assert!(out.contains("sk_test_short"));
        assert!(out.contains("/x"));
        let out = redact("token=opaque-token-value", Some("opaque-token-value"));
        assert!(!out.contains("opaque-token-value"));
        assert_eq!(redact("nothing here", Some("zzzzzzzzzz")), "nothing here");
        assert!(looks_like_key("x sk_live_abcdefgh12"));
        assert!(!looks_like_key("sk_test_…01234567"));
    }
}
