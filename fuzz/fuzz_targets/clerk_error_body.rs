//! Fuzz target: `clerk::parse_error_body`, which reads whatever a server
//! (or a proxy in front of it) returns with a 4xx/5xx status. It must never
//! panic, and the one-line messages built from what it parses must stay one
//! line: no control characters from the server reach a diagnostic or a log.

#![no_main]

mod common;
use common::write_seeds;

use libfuzzer_sys::fuzz_target;
use terraform_provider_clerk::clerk::{parse_error_body, ApiError};

/// Bodies as Clerk sends them, and the shapes a proxy might send instead.
fn seeds() -> Vec<Vec<u8>> {
    [
        &br#"{"errors":[{"message":"is unknown","long_message":"email_address is not a valid parameter for this request.","code":"form_param_unknown","meta":{"param_name":"email_address"}}],"clerk_trace_id":"89afc5e9"}"#[..],
        br#"{"errors":[{"code":"authorization_invalid","message":"Unauthorized request","long_message":"You are not authorized to perform this request"}],"meta":{}}"#,
        br#"{"errors":[{"code":"a"},{"code":"b","message":null,"meta":[]}],"clerk_trace_id":7}"#,
        b"<html><body>502 Bad Gateway</body></html>",
    ]
    .iter()
    .map(|seed| seed.to_vec())
    .collect()
}

fuzz_target!(init: write_seeds(&seeds()), |data: &[u8]| {
    let Some(body) = parse_error_body(data) else {
        return;
    };
    let error = ApiError::Api {
        status: 422,
        errors: body.errors,
        trace_id: body.trace_id,
    };
    let line = error.to_string();
    assert!(
        !line.chars().any(char::is_control),
        "a control character reached the message"
    );
});
