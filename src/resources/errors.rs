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
        return Diagnostic::error(summary, format!("{error}.\n\n{advice}{trace}")).into();
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
