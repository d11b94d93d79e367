//! What a reviewer approves is what happens: values Clerk refuses are
//! refused at plan (with the same rules the emulator enforces at apply),
//! provider arguments are range-checked by `terraform validate`, a write
//! whose answer was lost is not called harmless, and a wrong base URL is
//! reported as one.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value as Json};
use support::{Emulator, Workspace, TEST_KEY};

fn config(provider: &str, settings: &str) -> String {
    format!(
        "provider \"clerk\" {{\n{provider}\n}}\n\nresource \"clerk_instance_settings\" \"this\" {{\n{settings}\n}}\n"
    )
}

/// `PATCH /v1/instance` straight to the emulator, as an SDK would send it:
/// the status and Clerk's first `long_message`.
fn patch_directly(emulator: &Emulator, body: &Json) -> (u16, String) {
    let payload = body.to_string();
    let mut stream = TcpStream::connect(&emulator.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "PATCH /v1/instance HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TEST_KEY}\r\n\
         Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{payload}",
        emulator.addr,
        payload.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // The body may be chunked: the JSON object is the one inside it.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(start), Some(end)) => &body[start..=end],
        _ => "",
    };
    let parsed: Json = serde_json::from_str(json).unwrap_or(Json::Null);
    let message = parsed["errors"][0]["long_message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, message)
}

#[test]
fn values_clerk_refuses_are_refused_at_plan_for_the_same_reason() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(&config("", "  hibp = true"));
    ws.init();
    let cases = [
        (
            "development_origin",
            json!("http://x:0003000"),
            "\"0003000\" is not a valid port",
        ),
        ("support_email", json!("a@b.c"), "top-level domain"),
        ("support_email", json!("user@exämple.com"), "must be ASCII"),
        (
            "support_email",
            json!("a@-example.com"),
            "starts or ends with a hyphen",
        ),
        ("support_email", json!("a@[127.0.0.1]"), "address literal"),
        (
            "allowed_origins",
            json!(["https://app.example.com:0443"]),
            "not a valid port",
        ),
    ];
    for (name, value, reason) in cases {
        // The emulator, strict like Clerk, refuses the value and says why.
        let (status, message) = patch_directly(&emulator, &json!({ name: value }));
        assert_eq!(status, 422, "{name} = {value}: {message}");
        assert!(message.contains(reason), "{name} = {value}: {message}");

        // And so does the plan, before anything is sent.
        emulator.clear_requests();
        ws.write_config(&config("", &format!("  {name} = {value}")));
        let run = ws.plan();
        run.assert_failed();
        let text = run.flat();
        assert!(text.contains(reason), "{name} = {value}:\n{text}");
        assert!(
            emulator.writes().is_empty(),
            "{name} = {value}: plan sent a write"
        );
    }

    // A value both accept is applied.
    ws.write_config(&config("", "  support_email = \"a@b.co\""));
    ws.apply().assert_ok();
    assert_eq!(emulator.patches(), vec![json!({"support_email": "a@b.co"})]);
}

#[test]
fn numeric_provider_arguments_are_range_checked_by_validate() {
    let ws = Workspace::bare();
    ws.write_config(&config("", "  hibp = true"));
    ws.init();
    for (argument, words) in [
        (
            "drift_grace_seconds = -1",
            "drift_grace_seconds must be a whole number from 0 to 86400, not -1.",
        ),
        (
            "request_timeout_seconds = 0",
            "request_timeout_seconds must be a whole number from 1 to 3600, not 0.",
        ),
        (
            "retry_budget_seconds = 0",
            "retry_budget_seconds must be a whole number from 1 to 86400, not 0.",
        ),
        (
            "max_retries = 1000",
            "max_retries must be a whole number from 0 to 10, not 1000.",
        ),
        ("max_retries = 1.5", "max_retries must be a whole number"),
        ("api_url = \"\"", "The API URL is empty."),
    ] {
        ws.write_config(&config(&format!("  {argument}"), "  hibp = true"));
        let run = ws.run(&["validate", "-no-color"]);
        run.assert_failed();
        let text = run.flat();
        assert!(text.contains(words), "{argument}:\n{text}");
        assert!(!text.contains(".."), "{argument}: doubled period\n{text}");
    }
    ws.write_config(&config(
        "  max_retries = 10\n  request_timeout_seconds = 1\n  retry_budget_seconds = 1\n  drift_grace_seconds = 0",
        "  hibp = true",
    ));
    ws.run(&["validate", "-no-color"]).assert_ok();
}

#[test]
fn a_write_whose_answer_was_lost_may_have_been_applied() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(&config("  max_retries = 1", "  hibp = true"));
    ws.init();
    ws.apply().assert_ok();

    let faults = [
        json!({"method": "PATCH", "path": "/v1/instance", "times": 10,
               "status": 503, "after_handling": true}),
        json!({"method": "PATCH", "path": "/v1/instance", "times": 10,
               "reset": true, "after_handling": true}),
    ];
    for (round, fault) in faults.into_iter().enumerate() {
        let hibp = round % 2 == 1;
        ws.write_config(&config("  max_retries = 1", &format!("  hibp = {hibp}")));
        emulator.fault(fault.clone());
        let run = ws.apply();
        run.assert_failed();
        let text = run.flat();
        assert!(
            text.contains("The change may already have been applied"),
            "{fault}:\n{text}"
        );
        assert!(!text.contains("Nothing was changed"), "{fault}:\n{text}");
        // It was: the emulator applied the PATCH before losing the answer.
        assert_eq!(emulator.instance()["hibp"], json!(hibp), "{fault}");
        emulator.clear_faults();
        ws.apply().assert_ok();
        ws.assert_no_changes();
        assert_eq!(emulator.instance()["hibp"], json!(hibp));
    }
}

#[test]
fn a_wrong_base_path_names_the_url_setting() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.write_config(&config("", "  hibp = true"));
    ws.init();
    for path in ["/v2", "/api"] {
        ws.set_env("CLERK_API_URL", &format!("{}{path}", emulator.url));
        let run = ws.apply();
        run.assert_failed();
        let text = run.flat();
        assert!(
            text.contains(&format!("{}{path}/v1/instance", emulator.addr)),
            "{path}:\n{text}"
        );
        assert!(
            text.contains("`api_url`") && text.contains("CLERK_API_URL"),
            "{path}:\n{text}"
        );
        assert!(!text.contains("Correct the value"), "{path}:\n{text}");
        assert!(!text.contains(TEST_KEY), "{path}: the key leaked");
        assert!(emulator.writes().is_empty(), "{path}: something was sent");
    }
    ws.set_env("CLERK_API_URL", &format!("{}/v1", emulator.url));
    ws.apply().assert_ok();
}

#[test]
fn a_key_from_a_sensitive_variable_is_in_a_saved_plan_and_the_docs_say_so() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.remove_env("CLERK_SECRET_KEY");
    ws.set_env("TF_VAR_clerk_key", TEST_KEY);
    ws.write_config(&format!(
        "variable \"clerk_key\" {{\n  type      = string\n  sensitive = true\n}}\n\n{}",
        config("  secret_key = var.clerk_key", "  hibp = true")
    ));
    ws.init();
    let saved_plan_shows_key = |ws: &Workspace| {
        ws.run(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .assert_ok();
        let run = ws.run(&["show", "-json", "-no-color", "tfplan"]);
        run.assert_ok();
        run.stdout.contains(TEST_KEY)
    };
    // Terraform's behaviour, which the docs warn about: masked in the plan
    // output, in clear in `show -json` of the saved plan.
    let plan = ws.plan();
    assert!(
        !plan.combined().contains(TEST_KEY),
        "plan output shows the key"
    );
    assert!(
        saved_plan_shows_key(&ws),
        "sensitive variable not in show -json"
    );

    // From the environment, the key is not in the plan at all.
    ws.remove_env("TF_VAR_clerk_key");
    ws.set_env("CLERK_SECRET_KEY", TEST_KEY);
    ws.write_config(&config("", "  hibp = true"));
    assert!(!saved_plan_shows_key(&ws), "environment key in show -json");

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for page in ["README.md", "docs/index.md"] {
        let text = std::fs::read_to_string(root.join(page))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains("`terraform show -json` of that file prints them unmasked"),
            "{page}"
        );
        assert!(
            text.contains("`--debug`")
                && text.contains("environment of the shell it was started in"),
            "{page}"
        );
    }
}

#[test]
fn the_docs_state_the_plan_promises_precisely() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for page in ["README.md", "docs/resources/instance_settings.md"] {
        let text = std::fs::read_to_string(root.join(page))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!text.contains("never shows up in a plan"), "{page}");
        assert!(!text.contains("no longer shows in plans"), "{page}");
        assert!(text.contains("never planned as a change"), "{page}");
        assert!(
            text.contains("Terraform before 1.2")
                && text.contains("\"Objects have changed outside of Terraform\""),
            "{page}"
        );
        assert!(text.contains("One resource per instance"), "{page}");
        assert!(text.contains("fight each other"), "{page}");
    }
}

#[test]
fn two_resources_on_one_instance_fight_as_the_docs_say() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(
        "provider \"clerk\" {}\n\n\
         resource \"clerk_instance_settings\" \"a\" {\n  allowed_origins = [\"https://a.example\"]\n}\n\n\
         resource \"clerk_instance_settings\" \"b\" {\n  allowed_origins = [\"https://b.example\"]\n  depends_on = [clerk_instance_settings.a]\n}\n",
    );
    ws.init();
    ws.apply().assert_ok();
    // The instance holds whichever ran last, and the plan never settles.
    assert_eq!(
        emulator.instance()["allowed_origins"],
        json!(["https://b.example"])
    );
    let (code, run) = ws.plan_exit_code();
    assert_eq!(
        code,
        2,
        "expected the other resource's value as a change:\n{}",
        run.combined()
    );
    assert!(
        run.flat().contains("clerk_instance_settings.a"),
        "{}",
        run.flat()
    );
}
