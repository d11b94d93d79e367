//! `clerk_jwt_template` under real Terraform against clerk-emulator: create
//! sends the configured template, the plan is empty after apply, an update
//! sends `name` and `claims` plus only what changed, re-formatted claims
//! are no change, invalid claims are refused at plan, drift shows, an
//! object deleted outside Terraform is created again, import works by id
//! and by name, a duplicate create names the existing template and its
//! import command, destroy deletes, and the signing key never shows in
//! Terraform's output, the trace log or `terraform show`.

mod support;

use serde_json::{json, Value as Json};
use support::{http, Emulator, Workspace};

const ADDRESS: &str = "clerk_jwt_template.api";
const PATH: &str = "/v1/jwt_templates";
const SIGNING_KEY: &str = "hs-signing-secret-4f1c9e2b7a";

fn control(emulator: &Emulator, method: &str, target: &str, body: Option<Json>) -> Json {
    let id = emulator.instance_id();
    let (status, answer) = http::request(
        &emulator.addr,
        method,
        &format!("/__emulator/instances/{id}/jwt_templates{target}"),
        body.as_ref(),
    );
    assert_eq!(status, 200, "control {method} {target} failed: {answer}");
    answer
}

fn stored(emulator: &Emulator) -> Vec<Json> {
    control(emulator, "GET", "", None)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn config(ws: &Workspace, body: &str) {
    ws.write_config(&format!(
        "provider \"clerk\" {{}}\n\nresource \"clerk_jwt_template\" \"api\" {{\n{body}\n}}\n"
    ));
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    config(&ws, body);
    ws.init();
    ws
}

#[test]
fn lifecycle_updates_drift_and_destroy() {
    let emulator = Emulator::start();
    let base = "  name   = \"api\"\n  claims = \"{\\\"aud\\\": \\\"backend\\\", \\\"role\\\": \\\"admin\\\"}\"";
    let ws = ready(&emulator, &format!("{base}\n  lifetime = 3600"));
    ws.apply().assert_ok();
    let created = emulator.write_log();
    assert_eq!(
        created,
        [(
            "POST".to_string(),
            PATH.to_string(),
            json!({"name": "api", "claims": {"aud": "backend", "role": "admin"}, "lifetime": 3600})
        )]
    );
    let values = ws.resource_values(ADDRESS);
    let id = values["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("jtmp_"), "{values}");
    assert_eq!(values["allowed_clock_skew"], 5);
    assert_eq!(values["custom_signing_key"], false);
    emulator.clear_requests();
    ws.assert_no_changes();
    assert!(emulator.write_log().is_empty());

    // An update sends name and claims (Clerk wants them) and the change.
    config(&ws, &format!("{base}\n  lifetime = 7200"));
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [(
            "PATCH".to_string(),
            format!("{PATH}/{id}"),
            json!({"name": "api", "claims": {"aud": "backend", "role": "admin"}, "lifetime": 7200})
        )]
    );
    assert_eq!(ws.resource_values(ADDRESS)["id"], id.as_str());
    ws.assert_no_changes();

    // The same claims, re-ordered and re-formatted, are no change.
    config(
        &ws,
        "  name     = \"api\"\n  lifetime = 7200\n  claims = jsonencode({\n    role = \"admin\"\n    aud  = \"backend\"\n  })",
    );
    emulator.clear_requests();
    ws.assert_no_changes();
    assert!(emulator.write_log().is_empty());

    // Changed in the dashboard: the plan shows it, apply puts it back.
    control(
        &emulator,
        "PATCH",
        &format!("/{id}"),
        Some(json!({"lifetime": 90, "claims": {"aud": "other"}})),
    );
    let (code, run) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", run.combined());
    assert!(run.stdout.contains("lifetime"), "{}", run.stdout);
    assert!(run.stdout.contains("claims"), "{}", run.stdout);
    emulator.clear_requests();
    ws.apply().assert_ok();
    let patch = emulator.write_log();
    assert_eq!(patch.len(), 1, "{patch:?}");
    assert_eq!(
        patch[0].2,
        json!({"name": "api", "claims": {"aud": "backend", "role": "admin"}, "lifetime": 7200})
    );
    ws.assert_no_changes();

    // Deleted outside Terraform: refresh drops it and apply creates it again.
    control(&emulator, "DELETE", &format!("/{id}"), None);
    emulator.clear_requests();
    ws.apply().assert_ok();
    let recreated = emulator.write_log();
    assert_eq!(recreated.len(), 1, "{recreated:?}");
    assert_eq!(
        (recreated[0].0.as_str(), recreated[0].1.as_str()),
        ("POST", PATH)
    );
    let new_id = ws.resource_values(ADDRESS)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, id);
    ws.assert_no_changes();

    // Claims that are not a JSON object are refused at plan, naming them.
    for bad in ["\"{not json\"", "\"[1, 2]\""] {
        config(&ws, &format!("  name   = \"api\"\n  claims = {bad}"));
        emulator.clear_requests();
        let run = ws.plan();
        run.assert_failed();
        assert!(run.flat().contains("Invalid claims"), "{}", run.combined());
        assert!(emulator.write_log().is_empty());
    }

    // Destroy really deletes.
    config(&ws, base);
    emulator.clear_requests();
    ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    assert_eq!(
        emulator
            .write_log()
            .into_iter()
            .map(|(m, p, _)| (m, p))
            .collect::<Vec<_>>(),
        [("DELETE".to_string(), format!("{PATH}/{new_id}"))]
    );
    assert!(stored(&emulator).is_empty());
}

#[test]
fn import_by_id_and_name_and_duplicate_create() {
    let emulator = Emulator::start();
    Workspace::instance_data_source(&emulator);
    let first = control(
        &emulator,
        "POST",
        "",
        Some(json!({"name": "hasura", "claims": {"role": "user"}, "lifetime": 300})),
    );
    let second = control(
        &emulator,
        "POST",
        "",
        Some(json!({"name": "supabase", "claims": {"aud": "authenticated"}})),
    );
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();

    // Creating a template whose name is taken names the existing one.
    let ws = ready(
        &emulator,
        "  name   = \"hasura\"\n  claims = jsonencode({ role = \"user\" })\n  lifetime = 300",
    );
    emulator.clear_requests();
    let run = ws.apply();
    run.assert_failed();
    let flat = run.flat();
    assert!(flat.contains("already exists"), "{}", run.combined());
    assert!(flat.contains(first_id), "{}", run.combined());
    assert!(
        flat.contains(&format!(
            "terraform import clerk_jwt_template.<name> {first_id}"
        )),
        "{}",
        run.combined()
    );
    assert_eq!(emulator.write_log().len(), 1, "only the refused POST");

    // Import by id, and another by name: GETs only, then no changes.
    ws.write_config(
        "provider \"clerk\" {}\n\n\
         resource \"clerk_jwt_template\" \"api\" {\n  name = \"hasura\"\n  claims = jsonencode({ role = \"user\" })\n  lifetime = 300\n}\n\n\
         resource \"clerk_jwt_template\" \"db\" {\n  name = \"supabase\"\n  claims = \"{\\\"aud\\\":\\\"authenticated\\\"}\"\n}\n",
    );
    emulator.clear_requests();
    ws.run(&["import", "-input=false", "-no-color", ADDRESS, first_id])
        .assert_ok();
    ws.run(&[
        "import",
        "-input=false",
        "-no-color",
        "clerk_jwt_template.db",
        "supabase",
    ])
    .assert_ok();
    assert!(emulator.write_log().is_empty());
    assert_eq!(ws.resource_values(ADDRESS)["id"], first_id);
    assert_eq!(ws.resource_values("clerk_jwt_template.db")["id"], second_id);
    ws.assert_no_changes();
    assert!(emulator.write_log().is_empty());

    // An unknown id or name is an error naming what was looked for.
    let other = Workspace::new(&emulator);
    other.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_jwt_template\" \"x\" {\n  name = \"x\"\n  claims = \"{}\"\n}\n",
    );
    other.init();
    let run = other.run(&[
        "import",
        "-input=false",
        "-no-color",
        "clerk_jwt_template.x",
        "nope",
    ]);
    run.assert_failed();
    assert!(
        run.flat().contains("No such JWT template"),
        "{}",
        run.combined()
    );
}

#[test]
fn signing_key_stays_secret() {
    let emulator = Emulator::start();
    let custom = format!(
        "  name = \"signed\"\n  claims = \"{{}}\"\n  custom_signing_key = true\n  signing_algorithm = \"HS256\"\n  signing_key = \"{SIGNING_KEY}\""
    );
    let mut ws = ready(
        &emulator,
        "  name = \"signed\"\n  claims = \"{}\"\n  custom_signing_key = true",
    );

    // The key is required with a custom signing key, before any request.
    emulator.clear_requests();
    let run = ws.plan();
    run.assert_failed();
    assert!(
        run.flat()
            .contains("`signing_key` is required when `custom_signing_key` is `true`"),
        "{}",
        run.combined()
    );
    assert!(emulator.write_log().is_empty());

    config(&ws, &custom);
    let log = ws.path().join("trace.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    let mut outputs = Vec::new();
    let apply = ws.apply();
    apply.assert_ok();
    outputs.push(apply.combined());
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 0, "{}", plan.combined());
    outputs.push(plan.combined());
    let show = ws.run(&["show", "-no-color"]);
    show.assert_ok();
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.stdout);
    outputs.push(show.combined());
    ws.remove_env("TF_LOG");
    ws.remove_env("TF_LOG_PATH");

    let trace = std::fs::read_to_string(&log).expect("trace log");
    assert!(
        trace.contains("clerk_jwt_template"),
        "the trace log covers the provider"
    );
    assert!(
        trace.contains("Clerk API request body")
            && trace.contains("\"signing_key\":\"[redacted]\""),
        "the trace log shows the request, with the key redacted"
    );
    for (what, text) in outputs
        .iter()
        .map(|o| ("output", o))
        .chain([("trace log", &trace)])
    {
        assert!(
            !text.contains(SIGNING_KEY),
            "the signing key leaked into the {what}"
        );
    }
    let posts: Vec<_> = emulator
        .write_log()
        .into_iter()
        .filter(|(m, _, _)| m == "POST")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].2["custom_signing_key"], true);
    assert_eq!(posts[0].2["signing_algorithm"], "HS256");
    assert!(posts[0].2["signing_key"].is_string(), "the key was sent");
    let template = &stored(&emulator)[0];
    assert_eq!(template["custom_signing_key"], true);
    assert_eq!(template["signing_algorithm"], "HS256");

    // A new algorithm goes with the key, as Clerk wants.
    config(&ws, &custom.replace("HS256", "HS384"));
    emulator.clear_requests();
    ws.apply().assert_ok();
    let patch = emulator.write_log();
    assert_eq!(patch.len(), 1, "{patch:?}");
    let body = &patch[0].2;
    assert_eq!(body["signing_algorithm"], "HS384");
    assert!(body["signing_key"].is_string(), "{body}");
    assert!(body.get("custom_signing_key").is_none(), "{body}");
    assert_eq!(stored(&emulator)[0]["signing_algorithm"], "HS384");
    ws.assert_no_changes();
}
