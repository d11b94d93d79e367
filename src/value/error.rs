//! Error types for the value codecs, and the attribute-path notation they use.
//!
//! Messages deliberately describe *kinds* of data ("found a string") and never
//! echo the offending content: configuration values may be secrets and these
//! errors end up in diagnostics and logs.

use std::fmt;

/// Deepest nesting of containers (and `dynamic` wrappers) the codecs accept.
/// Input can choose its own types through `dynamic`, so without a cap a few
/// kilobytes could exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// One step of a path from the root value to the place an error occurred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An object attribute.
    Attribute(String),
    /// A map key.
    Key(String),
    /// A list, set or tuple element position.
    Index(u64),
}

/// Renders a path like `.rules[2].origins["prod"]`; the empty path is `""`.
///
/// Names and keys that do not look like identifiers are elided so that a
/// secret used as a map key cannot leak through an error message.
pub fn render_path(steps: &[PathStep]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            PathStep::Attribute(name) if is_safe_name(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathStep::Attribute(_) => out.push_str(".?"),
            PathStep::Key(key) if is_safe_name(key) => {
                out.push_str("[\"");
                out.push_str(key);
                out.push_str("\"]");
            }
            PathStep::Key(_) => out.push_str("[?]"),
            PathStep::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Whether a name is harmless enough to print: short and made of
/// identifier-ish characters.
pub(crate) fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':'))
}

/// Quotes a name for use inside a message, or describes it vaguely when it
/// is not safe to print.
pub(crate) fn quote_name(name: &str) -> String {
    if is_safe_name(name) {
        format!("\"{name}\"")
    } else {
        format!("(a name of {} bytes)", name.len())
    }
}

fn fmt_error(f: &mut fmt::Formatter<'_>, path: &[PathStep], message: &str) -> fmt::Result {
    if path.is_empty() {
        write!(f, "at the root: {message}")
    } else {
        write!(f, "at {}: {message}", render_path(path))
    }
}

/// Input bytes could not be decoded as a value of the expected type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: Vec<PathStep>,
    message: String,
}

impl DecodeError {
    pub fn new(path: Vec<PathStep>, message: impl Into<String>) -> DecodeError {
        DecodeError {
            path,
            message: message.into(),
        }
    }

    /// Where in the value the problem is (empty for the root).
    pub fn path(&self) -> &[PathStep] {
        &self.path
    }

    /// The problem, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_error(f, &self.path, &self.message)
    }
}

impl std::error::Error for DecodeError {}

/// A value could not be encoded, usually because it does not conform to the
/// type it is encoded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError {
    path: Vec<PathStep>,
    message: String,
}

impl EncodeError {
    pub fn new(path: Vec<PathStep>, message: impl Into<String>) -> EncodeError {
        EncodeError {
            path,
            message: message.into(),
        }
    }

    /// Where in the value the problem is (empty for the root).
    pub fn path(&self) -> &[PathStep] {
        &self.path
    }

    /// The problem, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_error(f, &self.path, &self.message)
    }
}

impl std::error::Error for EncodeError {}
