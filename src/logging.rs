//! hclog-style JSON logging on stderr.
//!
//! Terraform's plugin client reads the provider's stderr line by line and
//! parses JSON lines with `@level`, `@message` and `@timestamp` into its own
//! log at that level, so `TF_LOG=DEBUG` or `TF_LOG_PROVIDER=TRACE` shows them.
//! When Terraform does not ask for provider logs it discards stderr, so the
//! provider writes its lines regardless; outside Terraform (no magic cookie)
//! nothing runs long enough to matter.
//!
//! Callers pass structured fields, never preformatted secrets: the secret key
//! type in `clerk` has no `Display`, so it cannot reach a log line by accident.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

/// Log levels, in hclog's order and spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Lines below this level are dropped before formatting. Terraform filters by
/// level itself, so the default lets everything through.
static MIN_LEVEL: AtomicU8 = AtomicU8::new(Level::Trace as u8);

/// Drops lines below `level` (used by the emulator and tests to keep quiet).
pub fn set_min_level(level: Level) {
    MIN_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Writes one log line. `module` becomes `@module`, prefixed like hclog's
/// named sub-loggers; `fields` are extra key/value pairs shown by Terraform.
pub fn log(level: Level, module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    if (level as u8) < MIN_LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let mut line = serde_json::Map::new();
    line.insert("@level".into(), level.as_str().into());
    line.insert("@message".into(), redact(message).into());
    line.insert("@module".into(), format!("clerk.{module}").into());
    line.insert("@timestamp".into(), timestamp().into());
    for (key, value) in fields {
        line.insert((*key).to_string(), redact(&value.to_string()).into());
    }
    let mut text = serde_json::Value::Object(line).to_string();
    text.push('\n');
    // One write call per line keeps concurrent lines from interleaving.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Masks anything shaped like a Clerk secret key (`sk_live_…`, `sk_test_…`).
///
/// The key type cannot be displayed, so this should never find anything; it
/// is a second line of defence for text that comes from elsewhere, such as
/// panic messages or error bodies echoed by a server.
const MIN_KEY_LEN: usize = 12;

pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("sk_") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sk_") {
        out.push_str(&rest[..at]);
        // "mask_value" is an identifier, not a key.
        let preceded_by_word = out
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let candidate = &rest[at..];
        let secret_len = candidate
            .char_indices()
            .skip(3)
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(candidate.len(), |(i, _)| i);
        // Real keys are long; "sk_test" alone names a kind of key.
        if !preceded_by_word && secret_len >= MIN_KEY_LEN {
            let kind = if candidate.starts_with("sk_live_") {
                "sk_live_"
            } else if candidate.starts_with("sk_test_") {
                "sk_test_"
            } else {
                "sk_"
            };
            out.push_str(kind);
            out.push_str("[redacted]");
        } else {
            out.push_str(&candidate[..secret_len]);
        }
        rest = &candidate[secret_len..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// hclog's timestamp layout: microseconds and a numeric UTC offset.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]+00:00"
    );
    now.format(&format).unwrap_or_default()
}

pub fn trace(module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    log(Level::Trace, module, message, fields)
}
pub fn debug(module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    log(Level::Debug, module, message, fields)
}
pub fn info(module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    log(Level::Info, module, message, fields)
}
pub fn warn(module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    log(Level::Warn, module, message, fields)
}
pub fn error(module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    log(Level::Error, module, message, fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_keys_anywhere_in_text() {
        assert_eq!(
            redact("key sk_test_abcDEF123 rejected"),
            "key sk_test_[redacted] rejected"
        );
        assert_eq!(redact("sk_live_XYZ123456789"), "sk_live_[redacted]");
        assert_eq!(redact("(sk_other_secret)"), "(sk_[redacted])");
        // Kinds of key are not keys.
        assert_eq!(
            redact("key kind sk_test (development)"),
            "key kind sk_test (development)"
        );
        // Identifiers that merely contain the letters are left alone.
        assert_eq!(
            redact("mask_value and task_list"),
            "mask_value and task_list"
        );
        assert_eq!(redact("plain text"), "plain text");
        assert_eq!(redact("ends with sk_"), "ends with sk_");
    }

    #[test]
    fn timestamp_matches_hclog_layout() {
        let ts = timestamp();
        // 2006-01-02T15:04:05.000000+00:00
        assert_eq!(ts.len(), 32, "{ts}");
        assert_eq!(&ts[10..11], "T");
        assert_eq!(&ts[19..20], ".");
        assert!(ts.ends_with("+00:00"));
    }
}
