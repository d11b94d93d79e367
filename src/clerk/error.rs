//! Errors from the Clerk client, and the parser for Clerk's error bodies.
//!
//! Every `Display` is one line of plain English meant for a Terraform
//! diagnostic. None of them can contain the secret key: the client never puts
//! it in an error, and text that comes from the server is scrubbed of the key
//! before it lands here (see `client.rs`).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// One entry of Clerk's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkError {
    /// Machine-readable code such as `form_param_unknown`.
    pub code: String,
    /// Short message, e.g. "is unknown".
    pub message: String,
    /// Full sentence, e.g. "email_address is not a valid parameter for this request."
    pub long_message: String,
    /// `meta.param_name`: the request field the error is about, if any.
    pub param_name: Option<String>,
}

impl ClerkError {
    /// The most descriptive text Clerk gave (long message, else message, else code).
    pub fn text(&self) -> &str {
        if !self.long_message.is_empty() {
            &self.long_message
        } else if !self.message.is_empty() {
            &self.message
        } else {
            &self.code
        }
    }
}

/// A parsed Clerk error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub errors: Vec<ClerkError>,
    /// `clerk_trace_id`, which Clerk support asks for.
    pub trace_id: Option<String>,
}

// Wire shapes. Fields are lenient (`Value`) where Clerk's own schema is loose,
// so an odd `meta` or trace id does not throw away the useful messages.
#[derive(Deserialize)]
struct RawBody {
    errors: Vec<RawError>,
    #[serde(default)]
    clerk_trace_id: Value,
}

#[derive(Deserialize)]
struct RawError {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    long_message: Option<String>,
    #[serde(default)]
    meta: Value,
}

/// Parses Clerk's `{"errors":[{code,message,long_message,meta:{param_name}}],
/// "clerk_trace_id":"…"}`. Returns `None` when the bytes are not that shape:
/// not JSON, not an object, no `errors` array, or an entry without a string
/// `code`. Missing `message`/`long_message` become `""`. Never panics;
/// serde_json's recursion limit turns deep nesting into a plain error.
pub fn parse_error_body(body: &[u8]) -> Option<ErrorBody> {
    let raw: RawBody = serde_json::from_slice(body).ok()?;
    let errors = raw
        .errors
        .into_iter()
        .map(|e| ClerkError {
            code: e.code,
            message: e.message.unwrap_or_default(),
            long_message: e.long_message.unwrap_or_default(),
            param_name: e
                .meta
                .get("param_name")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
        .collect();
    let trace_id = raw
        .clerk_trace_id
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Some(ErrorBody { errors, trace_id })
}

/// Everything that can go wrong talking to Clerk.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// HTTP 401: the key is wrong, revoked, or for another instance.
    Unauthorized { trace_id: Option<String> },
    /// HTTP 403.
    Forbidden {
        errors: Vec<ClerkError>,
        trace_id: Option<String>,
    },
    /// Another 4xx with a Clerk error body, e.g. 422 for a bad field.
    Api {
        status: u16,
        errors: Vec<ClerkError>,
        trace_id: Option<String>,
    },
    /// HTTP 429 still, after the retries allowed by the policy.
    /// `maybe_applied`, here and below: a write (not a GET) was sent on some
    /// attempt and its answer was lost or was a server error, so Clerk may
    /// have made the change even though the call failed.
    RateLimited {
        retry_after: Option<Duration>,
        attempts: u32,
        maybe_applied: bool,
    },
    /// HTTP 5xx still, after the retries allowed by the policy.
    Server {
        status: u16,
        attempts: u32,
        trace_id: Option<String>,
        maybe_applied: bool,
    },
    /// A non-2xx whose body is not a Clerk error (a proxy page, say).
    Http { status: u16, body_snippet: String },
    /// A 2xx whose body is not the JSON expected.
    InvalidResponse { status: u16, detail: String },
    /// The connection failed (refused, reset, DNS, TLS), after retries.
    Transport {
        detail: String,
        attempts: u32,
        maybe_applied: bool,
    },
    /// The per-request timeout or the total time budget ran out.
    Timeout { attempts: u32, maybe_applied: bool },
    /// `/instance` itself answered 404: the base URL (`api_url` or
    /// `CLERK_API_URL`) does not point at Clerk's Backend API. `tried` is
    /// the host and path requested, never the key.
    WrongApiUrl { tried: String },
    /// The cancellation token fired (Terraform asked the provider to stop).
    Cancelled,
    /// The client could not be built.
    Config(String),
}

impl ApiError {
    /// Clerk's trace id, for support tickets.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Unauthorized { trace_id }
            | ApiError::Forbidden { trace_id, .. }
            | ApiError::Api { trace_id, .. }
            | ApiError::Server { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }

    /// Clerk's error entries, empty when the error did not carry any.
    pub fn errors(&self) -> &[ClerkError] {
        match self {
            ApiError::Forbidden { errors, .. } | ApiError::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether a write may have changed the instance although the call
    /// failed: it was sent and its answer was lost, or was a server error.
    pub fn maybe_applied(&self) -> bool {
        match self {
            ApiError::RateLimited { maybe_applied, .. }
            | ApiError::Server { maybe_applied, .. }
            | ApiError::Transport { maybe_applied, .. }
            | ApiError::Timeout { maybe_applied, .. } => *maybe_applied,
            _ => false,
        }
    }

    /// Marks the error as possibly applied when an earlier attempt was.
    pub(crate) fn or_maybe_applied(mut self, earlier: bool) -> ApiError {
        match &mut self {
            ApiError::RateLimited { maybe_applied, .. }
            | ApiError::Server { maybe_applied, .. }
            | ApiError::Transport { maybe_applied, .. }
            | ApiError::Timeout { maybe_applied, .. } => *maybe_applied |= earlier,
            _ => {}
        }
        self
    }

    /// The HTTP status behind the error, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Forbidden { .. } => Some(403),
            ApiError::RateLimited { .. } => Some(429),
            ApiError::WrongApiUrl { .. } => Some(404),
            ApiError::Api { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Http { status, .. }
            | ApiError::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Longest server-provided text put into one `Display` line.
const MAX_SERVER_TEXT: usize = 500;

/// Makes server text safe for a one-line message: control characters become
/// spaces (no forged log lines or terminal escapes) and length is bounded.
pub(crate) fn sanitize(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut chars = text.chars();
    for c in chars.by_ref().take(max_chars) {
        out.push(if c.is_control() { ' ' } else { c });
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// "text (code x, field y); text (code z)"
fn describe(errors: &[ClerkError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| {
            let mut s = sanitize(e.text(), MAX_SERVER_TEXT);
            let mut tags = Vec::new();
            if !e.code.is_empty() && e.code != e.text() {
                tags.push(format!("code {}", sanitize(&e.code, 100)));
            }
            if let Some(p) = &e.param_name {
                tags.push(format!("field {}", sanitize(p, 100)));
            }
            if !tags.is_empty() {
                s.push_str(&format!(" ({})", tags.join(", ")));
            }
            s
        })
        .collect();
    parts.join("; ")
}

fn write_trace(f: &mut fmt::Formatter<'_>, trace_id: &Option<String>) -> fmt::Result {
    match trace_id {
        Some(t) => write!(f, " [Clerk trace ID {}]", sanitize(t, 100)),
        None => Ok(()),
    }
}

fn attempts_text(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{n} attempts")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_outcome(f)?;
        if self.maybe_applied() {
            f.write_str("; the change may already have been applied")?;
        }
        Ok(())
    }
}

impl ApiError {
    fn fmt_outcome(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized { trace_id } => {
                f.write_str(
                    "the secret key was rejected by Clerk (HTTP 401): check that it is a \
                     current secret key of this instance",
                )?;
                write_trace(f, trace_id)
            }
            ApiError::Forbidden { errors, trace_id } => {
                f.write_str("Clerk refused the request (HTTP 403)")?;
                if !errors.is_empty() {
                    write!(f, ": {}", describe(errors))?;
                }
                write_trace(f, trace_id)
            }
            ApiError::Api {
                status,
                errors,
                trace_id,
            } => {
                write!(f, "Clerk rejected the request (HTTP {status})")?;
                if !errors.is_empty() {
                    write!(f, ": {}", describe(errors))?;
                }
                write_trace(f, trace_id)
            }
            ApiError::RateLimited {
                retry_after,
                attempts,
                ..
            } => {
                write!(
                    f,
                    "Clerk's rate limit was still exceeded (HTTP 429) after {}",
                    attempts_text(*attempts)
                )?;
                match retry_after {
                    Some(d) => write!(f, "; Clerk asked to retry after {} s", d.as_secs()),
                    None => Ok(()),
                }
            }
            ApiError::Server {
                status,
                attempts,
                trace_id,
                ..
            } => {
                write!(
                    f,
                    "Clerk returned a server error (HTTP {status}) after {}",
                    attempts_text(*attempts)
                )?;
                write_trace(f, trace_id)
            }
            ApiError::Http {
                status,
                body_snippet,
            } => {
                write!(f, "unexpected HTTP {status} response from Clerk")?;
                if body_snippet.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {}", sanitize(body_snippet, MAX_SERVER_TEXT))
                }
            }
            ApiError::InvalidResponse { status, detail } => write!(
                f,
                "Clerk answered HTTP {status} with a body that could not be understood: {}",
                sanitize(detail, MAX_SERVER_TEXT)
            ),
            ApiError::Transport {
                detail, attempts, ..
            } => write!(
                f,
                "could not reach Clerk after {}: {}",
                attempts_text(*attempts),
                sanitize(detail, MAX_SERVER_TEXT)
            ),
            ApiError::Timeout { attempts, .. } => write!(
                f,
                "the request to Clerk timed out after {}",
                attempts_text(*attempts)
            ),
            ApiError::WrongApiUrl { tried } => write!(
                f,
                "no Clerk Backend API at {}: the instance itself answered HTTP 404",
                sanitize(tried, 300)
            ),
            ApiError::Cancelled => f.write_str("the request to Clerk was cancelled"),
            ApiError::Config(detail) => {
                write!(f, "could not set up the Clerk API client: {detail}")
            }
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_clerk_wire_example() {
        let body = br#"{"errors":[{"message":"is unknown","long_message":"email_address is not a valid parameter for this request.","code":"form_param_unknown","meta":{"param_name":"email_address"}}],"clerk_trace_id":"89afc5e9"}"#;
        let parsed = parse_error_body(body).unwrap();
        assert_eq!(parsed.trace_id.as_deref(), Some("89afc5e9"));
        assert_eq!(
            parsed.errors,
            vec![ClerkError {
                code: "form_param_unknown".into(),
                message: "is unknown".into(),
                long_message: "email_address is not a valid parameter for this request.".into(),
                param_name: Some("email_address".into()),
            }]
        );
    }

    #[test]
    fn partial_bodies_default_missing_text() {
        let parsed = parse_error_body(br#"{"errors":[{"code":"x"}]}"#).unwrap();
        assert_eq!(parsed.trace_id, None);
        assert_eq!(parsed.errors[0].message, "");
        assert_eq!(parsed.errors[0].long_message, "");
        assert_eq!(parsed.errors[0].param_name, None);
        assert_eq!(parsed.errors[0].text(), "x");

        // Odd meta, null texts, numeric trace id, extra keys: still parsed.
        let parsed = parse_error_body(
            br#"{"errors":[{"code":"c","message":null,"long_message":"L","meta":[1,2]},
                {"code":"d","meta":{"param_name":7}}],"clerk_trace_id":12,"meta":{},"x":1}"#,
        )
        .unwrap();
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].message, "");
        assert_eq!(parsed.errors[0].long_message, "L");
        assert_eq!(parsed.errors[0].param_name, None);
        assert_eq!(parsed.errors[1].param_name, None);
        assert_eq!(parsed.trace_id, None);

        let parsed = parse_error_body(br#"{"errors":[]}"#).unwrap();
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn other_shapes_are_none() {
        for body in [
            &b""[..],
            b"null",
            b"[]",
            b"{}",
            b"<html>502 Bad Gateway</html>",
            br#"{"errors":"nope"}"#,
            br#"{"errors":[{"message":"no code"}]}"#,
            br#"{"errors":[{"code":5}]}"#,
            br#"{"errors":[1]}"#,
            br#"{"errors":[{"code":"x"}]"#,
            b"\xff\xfe\x00garbage",
            br#"{"errors":[{"code":"x","message":"\ud800"}]}"#,
        ] {
            assert_eq!(
                parse_error_body(body),
                None,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        for open in [b'[', b'{'] {
            let mut body = br#"{"errors":[{"code":"x","meta":"#.to_vec();
            for _ in 0..200_000 {
                body.push(open);
                if open == b'{' {
                    body.extend_from_slice(br#""a":"#);
                }
            }
            assert_eq!(parse_error_body(&body), None);
        }
        // Nesting within serde_json's limit is fine.
        let mut body = br#"{"errors":[{"code":"x","meta":{"param_name":"p","deep":"#.to_vec();
        body.extend(std::iter::repeat_n(b'[', 50));
        body.extend(std::iter::repeat_n(b']', 50));
        body.extend_from_slice(b"}}]}");
        assert_eq!(
            parse_error_body(&body).unwrap().errors[0]
                .param_name
                .as_deref(),
            Some("p")
        );
    }

    #[test]
    fn pseudo_random_bytes_never_panic() {
        // A tiny xorshift fuzz loop: mutations of a valid body.
        let seed = br#"{"errors":[{"message":"m","long_message":"l","code":"c","meta":{"param_name":"p"}}],"clerk_trace_id":"t"}"#;
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut body = seed.to_vec();
            for _ in 0..(next() % 6 + 1) {
                let i = (next() as usize) % body.len();
                match next() % 3 {
                    0 => body[i] = next() as u8,
                    1 => {
                        body.remove(i);
                    }
                    _ => body.insert(i, b"{}[]\",:\\"[(next() % 8) as usize]),
                }
                if body.is_empty() {
                    break;
                }
            }
            let _ = parse_error_body(&body);
        }
    }

    fn sample_errors() -> Vec<ClerkError> {
        vec![ClerkError {
            code: "form_param_unknown".into(),
            message: "is unknown".into(),
            long_message: "x is not a valid parameter.\nforged line".into(),
            param_name: Some("x".into()),
        }]
    }

    #[test]
    fn display_is_one_line_and_informative() {
        let cases = [
            (
                ApiError::Unauthorized { trace_id: None },
                "the secret key was rejected by Clerk (HTTP 401): check that it is a current secret key of this instance",
            ),
            (
                ApiError::Api {
                    status: 422,
                    errors: sample_errors(),
                    trace_id: Some("t1".into()),
                },
                "Clerk rejected the request (HTTP 422): x is not a valid parameter. forged line (code form_param_unknown, field x) [Clerk trace ID t1]",
            ),
            (
                ApiError::Forbidden {
                    errors: vec![],
                    trace_id: None,
                },
                "Clerk refused the request (HTTP 403)",
            ),
            (
                ApiError::RateLimited {
                    retry_after: Some(Duration::from_secs(30)),
                    attempts: 2,
                    maybe_applied: false,
                },
                "Clerk's rate limit was still exceeded (HTTP 429) after 2 attempts; Clerk asked to retry after 30 s",
            ),
            (
                ApiError::Server {
                    status: 503,
                    attempts: 1,
                    trace_id: None,
                    maybe_applied: false,
                },
                "Clerk returned a server error (HTTP 503) after 1 attempt",
            ),
            (
                ApiError::Server {
                    status: 502,
                    attempts: 2,
                    trace_id: None,
                    maybe_applied: true,
                },
                "Clerk returned a server error (HTTP 502) after 2 attempts; the change may already have been applied",
            ),
            (
                ApiError::Http {
                    status: 502,
                    body_snippet: "bad\r\ngateway".into(),
                },
                "unexpected HTTP 502 response from Clerk: bad  gateway",
            ),
            (
                ApiError::Timeout {
                    attempts: 3,
                    maybe_applied: false,
                },
                "the request to Clerk timed out after 3 attempts",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn accessors() {
        let e = ApiError::Api {
            status: 422,
            errors: sample_errors(),
            trace_id: Some("t".into()),
        };
        assert_eq!(e.trace_id(), Some("t"));
        assert_eq!(e.errors().len(), 1);
        assert_eq!(e.status(), Some(422));
        assert_eq!(ApiError::Cancelled.errors(), &[]);
        assert_eq!(ApiError::Cancelled.trace_id(), None);
        assert_eq!(ApiError::Cancelled.status(), None);
    }

    #[test]
    fn sanitize_bounds_and_cleans() {
        assert_eq!(sanitize("a\u{1b}[31mb", 100), "a [31mb");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("ééé", 3), "ééé");
    }
}
