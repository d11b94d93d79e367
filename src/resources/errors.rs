//! Turns Clerk client errors into diagnostics that say what happened, where
//! and what to do next.

use crate::clerk::ApiError;
use crate::framework::{AttributePath, Diagnostic, Diagnostics};

use super::instance_settings::settings;

/// `action` completes "Could not …", e.g. "update the instance settings".
pub fn api_error(action: &str, error: &ApiError) -> Diagnostics {
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
            if settings::setting(param).is_some() {
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
    let attempts = |n: u32| {
        if n == 1 {
            "1 attempt".to_string()
        } else {
            format!("{n} attempts")
        }
    };
    match error {
        ApiError::Unauthorized { .. } => "Clerk rejected the secret key (HTTP 401).".to_string(),
        ApiError::Forbidden { .. } => "Clerk refused the request (HTTP 403).".to_string(),
        ApiError::Api { status, .. } => format!("Clerk rejected the request (HTTP {status})."),
        ApiError::RateLimited { attempts: n, .. } => format!(
            "Clerk answered that the rate limit was exceeded (HTTP 429) on each of {}.",
            attempts(*n)
        ),
        ApiError::Server {
            status,
            attempts: n,
            ..
        } => format!(
            "Clerk answered with a server error (HTTP {status}) on each of {}.",
            attempts(*n)
        ),
        ApiError::Timeout { attempts: n } => {
            format!("Clerk did not answer in time ({}).", attempts(*n))
        }
        ApiError::Transport {
            detail,
            attempts: n,
        } => {
            format!("Clerk could not be reached ({}): {detail}.", attempts(*n))
        }
        ApiError::Cancelled => {
            "The request was cancelled because Terraform is stopping.".to_string()
        }
        other => format!("{other}."),
    }
}
