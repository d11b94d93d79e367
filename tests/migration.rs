//! Switching from vanillauys/clerk under real Terraform against
//! clerk-emulator. Their state, written by hand from their schemas
//! (`tests/fixtures/vanillauys/`), goes through
//! `terraform state replace-provider` and a plan: the plan is empty and
//! sends only GETs when configuration and Clerk agree, the attributes this
//! provider lacks are named in a warning, every other one is kept (a
//! disagreement with Clerk is planned as usual), and
//! `terraform apply -refresh-only` stores our layout without a write. Their
//! `clerk_instance_organization_settings` becomes `clerk_organization_settings`
//! through MoveResourceState, called over gRPC as Terraform 1.8 and later
//! do for a `moved` block; the moved state then plans nothing under
//! Terraform v1.0.3.

mod support;

use serde_json::{json, Value as Json};
use support::plugin::start_connected;
use support::{http, Emulator, Workspace, SOURCE, TEST_KEY};
use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::{json as state_json, msgpack};

/// How their provider is named in `replace-provider`.
const THEIRS: &str = "vanillauys/clerk";

fn fixture(type_name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/vanillauys/{type_name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One resource of theirs with the emulator's ids filled in.
fn their_resource(type_name: &str, instance_id: &str, object_id: &str) -> Json {
    let text = fixture(type_name)
        .replace("$INSTANCE_ID", instance_id)
        .replace("$OBJECT_ID", object_id);
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn write_state(ws: &Workspace, resources: Vec<Json>) {
    let state = json!({
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 7,
        "lineage": "5d0c4a52-8d4e-4f0e-9a53-3b1f0c9d2e71",
        "outputs": {},
        "resources": resources,
    });
    std::fs::write(
        ws.path().join("terraform.tfstate"),
        serde_json::to_vec_pretty(&state).unwrap(),
    )
    .unwrap();
}

fn stored_state(ws: &Workspace) -> Json {
    let text = std::fs::read_to_string(ws.path().join("terraform.tfstate")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The stored instance of `type_name` (schema version and attributes).
fn stored_instance(ws: &Workspace, type_name: &str, name: &str) -> Json {
    stored_state(ws)["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == type_name && r["name"] == name)
        .unwrap_or_else(|| panic!("{type_name}.{name} not in state"))["instances"][0]
        .clone()
}

/// The test key's instance, which the emulator makes on first use.
fn instance(emulator: &Emulator) -> String {
    let (status, answer) =
        http::request_with_key(&emulator.addr, "GET", "/v1/instance", Some(TEST_KEY), None);
    assert_eq!(status, 200, "{answer}");
    answer["id"].as_str().expect("an instance id").to_string()
}

fn control(emulator: &Emulator, method: &str, what: &str, body: Json) -> Json {
    let id = instance(emulator);
    let (status, answer) = http::request(
        &emulator.addr,
        method,
        &format!("/__emulator/instances/{id}/{what}"),
        Some(&body),
    );
    assert!(status < 300, "{method} {what}: {status} {answer}");
    answer
}

fn created(emulator: &Emulator, list: &str, body: Json) -> String {
    control(emulator, "POST", list, body)["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Every setting in Clerk as their state says it is.
fn clerk_as_their_state_says(emulator: &Emulator) {
    emulator.change_out_of_band(
        &instance(emulator),
        json!({
            "test_mode": true,
            "hibp": true,
            "support_email": "support@example.com",
            "allowed_origins": ["https://app.example.com", "capacitor://localhost"],
        }),
    );
    control(
        emulator,
        "PATCH",
        "restrictions",
        json!({"allowlist": false, "blocklist": true, "block_email_subaddresses": true,
               "block_disposable_email_domains": false}),
    );
}

const CONFIG: &str = r#"provider "clerk" {
  drift_detection     = true
  drift_grace_seconds = 0
}

resource "clerk_instance_settings" "main" {
  test_mode       = true
  hibp            = true
  support_email   = "support@example.com"
  allowed_origins = ["https://app.example.com", "capacitor://localhost"]
}

resource "clerk_instance_restrictions" "main" {
  blocklist                = true
  block_email_subaddresses = true
}

resource "clerk_redirect_url" "callback" {
  url = "https://app.example.com/sso-callback"
}

resource "clerk_allowlist_identifier" "partner" {
  identifier = "partner@example.com"
}

resource "clerk_allowlist_identifier" "agency" {
  identifier = "agency@example.com"
  notify     = false
}

resource "clerk_blocklist_identifier" "spammer" {
  identifier = "spammer@example.net"
}

resource "clerk_jwt_template" "api" {
  name     = "api"
  lifetime = 3600
  claims = jsonencode({
    role = "{{user.public_metadata.role}}"
  })
}

resource "clerk_domain" "satellite" {
  name = "satellite.example.com"
}
"#;

/// A workspace holding their state for every type both providers have,
/// objects and settings in Clerk to match, switched to this provider.
fn switched(emulator: &Emulator) -> Workspace {
    clerk_as_their_state_says(emulator);
    let instance = instance(emulator);
    let redirect = created(
        emulator,
        "redirect_urls",
        json!({"url": "https://app.example.com/sso-callback"}),
    );
    let partner = created(
        emulator,
        "allowlist_identifiers",
        json!({"identifier": "partner@example.com"}),
    );
    let agency = created(
        emulator,
        "allowlist_identifiers",
        json!({"identifier": "agency@example.com"}),
    );
    let spammer = created(
        emulator,
        "blocklist_identifiers",
        json!({"identifier": "spammer@example.net"}),
    );
    let template = created(
        emulator,
        "jwt_templates",
        json!({"name": "api", "lifetime": 3600,
               "claims": {"role": "{{user.public_metadata.role}}"}}),
    );
    let satellite = created(
        emulator,
        "domains",
        json!({"name": "satellite.example.com", "is_satellite": true}),
    );
    let mut agency_state = their_resource("clerk_allowlist_identifier", &instance, &agency);
    agency_state["name"] = json!("agency");
    agency_state["instances"][0]["attributes"]["identifier"] = json!("agency@example.com");

    let ws = Workspace::new(emulator);
    ws.write_config(CONFIG);
    write_state(
        &ws,
        vec![
            their_resource("clerk_instance_settings", &instance, ""),
            their_resource("clerk_instance_restrictions", &instance, ""),
            their_resource("clerk_redirect_url", &instance, &redirect),
            their_resource("clerk_allowlist_identifier", &instance, &partner),
            agency_state,
            their_resource("clerk_blocklist_identifier", &instance, &spammer),
            their_resource("clerk_jwt_template", &instance, &template),
            their_resource("clerk_domain", &instance, &satellite),
        ],
    );
    let replaced = ws.run(&[
        "state",
        "replace-provider",
        "-auto-approve",
        "-no-color",
        THEIRS,
        SOURCE,
    ]);
    replaced.assert_ok();
    assert!(
        replaced
            .stdout
            .contains("Successfully replaced provider for 8 resources"),
        "{}",
        replaced.combined()
    );
    ws.init();
    ws
}

#[test]
fn every_shared_type_switches_with_replace_provider_and_plans_nothing() {
    let emulator = Emulator::start();
    let ws = switched(&emulator);

    emulator.clear_requests();
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 0, "expected an empty plan:\n{}", plan.combined());
    emulator.assert_only_gets();
    // The attributes of theirs this provider lacks are named, once each, at
    // the resource that had them; nothing else warns.
    let text = plan.flat();
    let warnings: Vec<&str> = text
        .split("Warning: ")
        .skip(1)
        .filter(|w| w.contains(" state taken over from vanillauys/clerk"))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    for (address, dropped) in [
        (
            "clerk_instance_restrictions.main",
            "`ignore_dots_for_gmail_addresses`",
        ),
        ("clerk_domain.satellite", "`development_origin`"),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(address) && w.contains(dropped)),
            "{address}: {text}"
        );
    }

    // A refresh-only apply stores our layout and writes nothing to Clerk.
    let refreshed = ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"]);
    refreshed.assert_ok();
    emulator.assert_only_gets();
    let restrictions = stored_instance(&ws, "clerk_instance_restrictions", "main");
    assert_eq!(restrictions["schema_version"], 1);
    let attributes = &restrictions["attributes"];
    assert!(attributes.get("ignore_dots_for_gmail_addresses").is_none());
    assert_eq!(attributes["blocklist"], true);
    assert_eq!(attributes["environment_type"], "development");
    // What Clerk never returns is kept as their state had it.
    let settings = stored_instance(&ws, "clerk_instance_settings", "main")["attributes"].clone();
    assert_eq!(settings["support_email"], "support@example.com");
    assert_eq!(settings["test_mode"], true);
    // Their list-era duplicate is gone from the set.
    assert_eq!(
        settings["allowed_origins"].as_array().map(Vec::len),
        Some(2),
        "{settings}"
    );
    for name in ["partner", "agency"] {
        let identifier = stored_instance(&ws, "clerk_allowlist_identifier", name);
        assert_eq!(identifier["schema_version"], 1);
        assert_eq!(identifier["attributes"]["notify"], false, "{name}");
    }
    let template = stored_instance(&ws, "clerk_jwt_template", "api")["attributes"].clone();
    assert_eq!(template["lifetime"], 3600);
    let domain = stored_instance(&ws, "clerk_domain", "satellite")["attributes"].clone();
    assert!(domain.get("development_origin").is_none(), "{domain}");
    assert_eq!(domain["is_satellite"], true);

    // Switched for good: no warning, still nothing to do, never a write.
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 0, "{}", plan.combined());
    assert!(!plan.flat().contains("vanillauys"), "{}", plan.flat());
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}

#[test]
fn kept_attributes_still_meet_clerk_and_the_plan_sends_only_the_difference() {
    let emulator = Emulator::start();
    let ws = switched(&emulator);
    // Clerk changed behind both providers' backs.
    control(
        &emulator,
        "PATCH",
        "restrictions",
        json!({"blocklist": false}),
    );
    let (code, plan) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", plan.combined());
    assert!(
        plan.flat().contains("blocklist = false -> true"),
        "{}",
        plan.flat()
    );
    assert!(
        plan.flat()
            .contains("Plan: 0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.flat()
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    let writes: Vec<(Json, Json)> = emulator
        .writes()
        .into_iter()
        .map(|w| (w["path"].clone(), w["body"].clone()))
        .collect();
    assert_eq!(
        writes,
        [(
            json!("/v1/instance/restrictions"),
            json!({"blocklist": true})
        )]
    );
    ws.assert_no_changes();
}

/// Terraform 1.8 and later turn a `moved` block from their
/// `clerk_instance_organization_settings` into a MoveResourceState call;
/// the answer is stored under `clerk_organization_settings`, and from there
/// on this provider plans it like its own.
#[tokio::test]
async fn organization_settings_move_from_their_type_and_then_plan_nothing() {
    let emulator = Emulator::start();
    control(
        &emulator,
        "PATCH",
        "organization_settings",
        json!({"enabled": true, "max_allowed_memberships": 5, "admin_delete_enabled": true,
               "domains_enabled": false}),
    );
    let instance = instance(&emulator);
    let theirs = their_resource("clerk_instance_organization_settings", &instance, "");
    let source_json = serde_json::to_vec(&theirs["instances"][0]["attributes"]).unwrap();

    let (_plugin, channel) = start_connected(&[
        ("CLERK_SECRET_KEY", TEST_KEY),
        ("CLERK_API_URL", &emulator.url),
    ])
    .await;
    let mut client = pb::provider_client::ProviderClient::new(channel);
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.server_capabilities.unwrap().move_resource_state);
    let target = &schema.resource_schemas["clerk_organization_settings"];
    let ty = support::plugin::schema_type(target);

    for source_provider in ["providers.example/vanillauys/clerk", SOURCE] {
        let moved = client
            .move_resource_state(pb::move_resource_state::Request {
                source_provider_address: source_provider.into(),
                source_type_name: "clerk_instance_organization_settings".into(),
                source_schema_version: 0,
                source_state: Some(pb::RawState {
                    json: source_json.clone(),
                    flatmap: Default::default(),
                }),
                target_type_name: "clerk_organization_settings".into(),
                source_private: Vec::new(),
                source_identity: None,
                source_identity_schema_version: 0,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(moved.diagnostics.len(), 1, "{:?}", moved.diagnostics);
        let warning = &moved.diagnostics[0];
        assert_eq!(warning.severity, pb::diagnostic::Severity::Warning as i32);
        assert!(
            warning.detail.contains("`max_allowed_permissions`"),
            "{}",
            warning.detail
        );
        assert!(moved.target_private.is_empty());
        let value = msgpack::decode(&moved.target_state.expect("a state").msgpack, &ty).unwrap();
        assert_eq!(
            value.get("id").and_then(|v| v.as_str()),
            Some(instance.as_str())
        );
        let attributes: Json =
            serde_json::from_slice(&state_json::encode(&value, &ty).unwrap()).unwrap();
        assert_eq!(attributes["max_allowed_memberships"], 5);
        assert_eq!(attributes["creator_role"], "org:admin");
        assert!(attributes.get("max_allowed_permissions").is_none());

        // Stored as Terraform stores a move's result, it plans nothing.
        let ws = Workspace::new(&emulator);
        ws.write_config(
            "provider \"clerk\" {\n  drift_detection = true\n}\n\n\
             resource \"clerk_organization_settings\" \"main\" {\n  enabled                 = true\n  max_allowed_memberships = 5\n  admin_delete_enabled    = true\n}\n",
        );
        write_state(
            &ws,
            vec![json!({
                "mode": "managed",
                "type": "clerk_organization_settings",
                "name": "main",
                "provider": format!("provider[\"{SOURCE}\"]"),
                "instances": [{
                    "schema_version": target.version,
                    "attributes": attributes,
                    "sensitive_attributes": [],
                }],
            })],
        );
        ws.init();
        emulator.clear_requests();
        let (code, plan) = ws.plan_exit_code();
        assert_eq!(code, 0, "{}", plan.combined());
        emulator.assert_only_gets();
    }
    // MoveResourceState itself never calls Clerk, and nothing was written.
    assert!(emulator.writes().is_empty(), "{:?}", emulator.writes());
}

/// docs/guides/migrating.md names every type taken over and every
/// attribute dropped, as the provider's own table has them.
#[test]
fn the_guide_lists_what_the_provider_takes_over() {
    let guide = std::fs::read_to_string(format!(
        "{}/docs/guides/migrating.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for foreign in terraform_provider_clerk::resources::migrate::FOREIGN {
        let row = guide
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", foreign.source_type)))
            .unwrap_or_else(|| panic!("no row for {}", foreign.source_type));
        assert!(row.contains(&format!("`{}`", foreign.target_type)), "{row}");
        if foreign.dropped.is_empty() {
            assert!(row.ends_with("| nothing |"), "{row}");
        }
        for (name, _) in foreign.dropped {
            assert!(row.contains(&format!("`{name}`")), "{row}");
        }
    }
    assert!(guide.contains(&format!("replace-provider {THEIRS} {SOURCE}")));
}
