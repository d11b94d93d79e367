//! Turns Clerk client errors into diagnostics that say what happened, where
//! and what to do next.

use crate::clerk::ApiError;
use crate::framework::{AttributePath, Diagnostic, Diagnostics};

/// `action` completes "Could not …", e.g. "update the instance settings".
pub fn api_error(action: &str, error: &ApiError) -> Diagnostics {
    api_error_at(action, error, &[])
}

/// [`api_error`] for a request about `attributes`: Clerk's errors that name
/// one of them are attached to it.
pub fn api_error_at(action: &str, error: &ApiError, attributes: &[&str]) -> Diagnostics {
    let summary = format!("Could not {action}");
    let trace = error
        .trace_id()
        .map(|id| format!("\n\nClerk trace ID: {id} (quote it if you contact Clerk support)."))
        .unwrap_or_default();
    let advice = match error {
        ApiError::Unauthorized { .. } => {
            "Check that `secret_key` (or CLERK_SECRET_KEY) is a current secret key of this \
             instance, from the API Keys page of the Clerk Dashboard."
        }
        ApiError::Forbidden { .. } => "Check that the key is allowed to change this instance.",
        ApiError::RateLimited { .. } => {
            "Clerk is rate limiting this instance. Wait a little and run the command again, \
             or raise `retry_budget_seconds` in the provider configuration."
        }
        _ if error.maybe_applied() => {
            "The change may already have been applied: the request reached Clerk, but its \
             answer was lost or was a server error, so the provider cannot tell. Terraform \
             state was not updated; run `terraform apply` again once Clerk is reachable. It \
             sends the same settings, which is safe because they are absolute values."
        }
        ApiError::WrongApiUrl { .. } => {
            "Check `api_url` in the provider block, or the CLERK_API_URL environment variable: \
             it must be the base URL of Clerk's Backend API, `https://api.clerk.com` (with or \
             without `/v1`). Nothing was changed."
        }
        ApiError::Server { .. } | ApiError::Transport { .. } | ApiError::Timeout { .. } => {
            "Nothing was changed in Terraform state. Run the command again once Clerk is \
             reachable; the provider configuration's `max_retries`, `request_timeout_seconds` \
             and `retry_budget_seconds` control how long it keeps trying."
        }
        ApiError::Cancelled => "The operation was interrupted; nothing was changed in state.",
        ApiError::Api { .. } => "Correct the value Clerk rejected and apply again.",
        _ => "Run the command again; if this persists, report it with the trace ID.",
    };

    let errors = error.errors();
    if errors.is_empty() {
        let happened = what_happened(error);
        return Diagnostic::error(summary, format!("{happened}\n\n{advice}{trace}")).into();
    }
    let mut diags = Diagnostics::new();
    for clerk_error in errors {
        let message = if clerk_error.long_message.is_empty() {
            &clerk_error.message
        } else {
            &clerk_error.long_message
        };
        let message = message.trim_end_matches('.');
        let mut diag = Diagnostic::error(
            summary.clone(),
            format!(
                "{message} (Clerk error code `{}`).\n\n{advice}{trace}",
                clerk_error.code
            ),
        );
        if let Some(param) = clerk_error.param_name.as_deref() {
            if attributes.contains(&param) {
                diag = diag.at(AttributePath::root(param));
            }
        }
        diags.push(diag);
    }
    diags
}

/// One sentence on what went wrong, without the advice and trace ID the
/// diagnostic adds itself (the error's `Display` carries both, for logs).
fn what_happened(error: &ApiError) -> String {
    // "on each of 3 attempts", or nothing when there was only one.
    let each = |n: u32| {
        if n > 1 {
            format!(" on each of {n} attempts")
        } else {
            String::new()
        }
    };
    match error {
        ApiError::Unauthorized { .. } => "Clerk rejected the secret key (HTTP 401).".to_string(),
        ApiError::Forbidden { .. } => "Clerk refused the request (HTTP 403).".to_string(),
        ApiError::Api { status, .. } => format!("Clerk rejected the request (HTTP {status})."),
        ApiError::RateLimited {
            retry_after,
            attempts,
            ..
        } => {
            let wait = match retry_after {
                Some(wait) => format!(
                    " Clerk asked to wait {} s before trying again, longer than the retry budget allowed.",
                    wait.as_secs()
                ),
                None => String::new(),
            };
            format!(
                "Clerk answered that the rate limit was exceeded (HTTP 429){}.{wait}",
                each(*attempts)
            )
        }
        ApiError::Server {
            status, attempts, ..
        } => {
            format!(
                "Clerk answered with a server error (HTTP {status}){}.",
                each(*attempts)
            )
        }
        ApiError::Timeout { attempts, .. } => {
            format!("Clerk did not answer in time{}.", each(*attempts))
        }
        ApiError::Transport {
            detail, attempts, ..
        } => {
            let detail = detail.trim_end_matches('.');
            format!("Clerk could not be reached{}: {detail}.", each(*attempts))
        }
        ApiError::WrongApiUrl { tried } => format!(
            "There is no Clerk Backend API at {tried}: the instance itself answered HTTP 404, \
             so the base URL is wrong."
        ),
        ApiError::Cancelled => {
            "The request was cancelled because Terraform is stopping.".to_string()
        }
        other => {
            let text = other.to_string();
            format!("{}.", text.trim_end_matches('.'))
        }
    }
}

/// An identifier from the user, shortened for a diagnostic so that a
/// pasted blob cannot flood the terminal.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX).collect();
    format!("{head}… ({} characters)", text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_attempts_are_not_counted_and_long_waits_are_explained() {
        let one = what_happened(&ApiError::Server {
            status: 503,
            attempts: 1,
            trace_id: None,
            maybe_applied: false,
        });
        assert_eq!(one, "Clerk answered with a server error (HTTP 503).");
        let three = what_happened(&ApiError::Server {
            status: 502,
            attempts: 3,
            trace_id: None,
            maybe_applied: false,
        });
        assert_eq!(
            three,
            "Clerk answered with a server error (HTTP 502) on each of 3 attempts."
        );
        let limited = what_happened(&ApiError::RateLimited {
            retry_after: Some(std::time::Duration::from_secs(90)),
            attempts: 1,
            maybe_applied: false,
        });
        assert!(limited.contains("wait 90 s"), "{limited}");
    }

    #[test]
    fn a_lost_answer_to_a_write_is_not_called_harmless() {
        let lost = api_error(
            "update the Clerk instance settings",
            &ApiError::Transport {
                detail: "127.0.0.1: connection reset".into(),
                attempts: 2,
                maybe_applied: true,
            },
        );
        let detail = &lost.0[0].detail;
        assert!(detail.contains("may already have been applied"), "{detail}");
        assert!(!detail.contains("Nothing was changed"), "{detail}");
        let refused = api_error(
            "read the Clerk instance",
            &ApiError::Transport {
                detail: "127.0.0.1: connection refused".into(),
                attempts: 2,
                maybe_applied: false,
            },
        );
        assert!(!refused.0[0].detail.contains("may already"));
    }

    #[test]
    fn a_wrong_base_url_names_the_setting() {
        let diags = api_error(
            "read the Clerk instance",
            &ApiError::WrongApiUrl {
                tried: "api.clerk.com/v2/v1/instance".into(),
            },
        );
        let detail = &diags.0[0].detail;
        assert!(detail.contains("api.clerk.com/v2/v1/instance"), "{detail}");
        assert!(detail.contains("CLERK_API_URL"), "{detail}");
        assert!(!detail.contains("Correct the value"), "{detail}");
        assert!(!detail.contains(".."), "{detail}");
    }

    #[test]
    fn long_identifiers_are_shortened() {
        assert_eq!(shorten("ins_abc"), "ins_abc");
        let long = "x".repeat(1 << 20);
        let short = shorten(&long);
        assert!(short.len() < 100, "{short}");
        assert!(short.ends_with("(1048576 characters)"));
    }
}
