//! The Clerk secret key, wrapped so that it cannot leak by accident.
//!
//! `SecretKey` has no `Display`, and its `Debug` shows only the key's kind
//! (`sk_test_…`), never a secret character. The one way to read the key is
//! `expose`, which the client calls only to build the `Authorization` header.

use std::fmt;

/// Which environment a secret key belongs to, from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `sk_live_…`: a production instance.
    Live,
    /// `sk_test_…`: a development instance.
    Test,
    /// Anything else (a legacy or malformed key); Clerk decides.
    Other,
}

/// A Clerk secret key (`sk_live_…` / `sk_test_…`).
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a key. Surrounding whitespace is dropped because keys pasted into
    /// environment variables or files often carry a trailing newline, which
    /// would otherwise make the `Authorization` header invalid.
    pub fn new(s: String) -> SecretKey {
        let trimmed = s.trim();
        if trimmed.len() == s.len() {
            SecretKey(s)
        } else {
            SecretKey(trimmed.to_owned())
        }
    }

    /// The raw key. Only for building the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The environment the key's prefix names.
    pub fn kind(&self) -> KeyKind {
        if self.0.starts_with("sk_live_") {
            KeyKind::Live
        } else if self.0.starts_with("sk_test_") {
            KeyKind::Test
        } else {
            KeyKind::Other
        }
    }

    /// True when the key is empty (after trimming).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The non-secret prefix shown in `Debug` output.
    pub(crate) fn redacted(&self) -> &'static str {
        match self.kind() {
            KeyKind::Live => "sk_live_…",
            KeyKind::Test => "sk_test_…",
            KeyKind::Other => "sk_…",
        }
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_follows_prefix() {
        assert_eq!(SecretKey::new("sk_live_abc".into()).kind(), KeyKind::Live);
        assert_eq!(SecretKey::new("sk_test_abc".into()).kind(), KeyKind::Test);
        assert_eq!(SecretKey::new("sk_abc".into()).kind(), KeyKind::Other);
        assert_eq!(SecretKey::new("test_abc".into()).kind(), KeyKind::Other);
        assert_eq!(SecretKey::new(String::new()).kind(), KeyKind::Other);
    }

    #[test]
    fn debug_shows_only_the_kind() {
        for (key, shown) in [
            ("sk_live_SECRETSECRET", "SecretKey(sk_live_…)"),
            ("sk_test_SECRETSECRET", "SecretKey(sk_test_…)"),
            ("SECRETSECRET", "SecretKey(sk_…)"),
        ] {
            let k = SecretKey::new(key.into());
            let debug = format!("{k:?}");
            assert_eq!(debug, shown);
            assert!(!debug.contains("SECRET"));
            let pretty = format!("{k:#?}");
            assert!(!pretty.contains("SECRET"));
        }
    }

    #[test]
    fn new_trims_whitespace() {
        let k = SecretKey::new("  sk_test_abc\n".into());
        assert_eq!(k.expose(), "sk_test_abc");
        assert!(SecretKey::new(" \n".into()).is_empty());
    }
}
