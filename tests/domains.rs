//! `clerk_domain` under real Terraform against clerk-emulator: create sends
//! exactly `name` and `is_satellite` (and `proxy_url` when set), the plan
//! is empty after apply, a new name is a `PATCH` of only the name, removing
//! the proxy sends `null`, a renamed production domain gets its new CNAME
//! targets, `proxy_url` on a development instance is refused before any
//! write, drift shows, a domain deleted outside Terraform is created again,
//! import works by id and by name, the primary domain is refused by import,
//! by create and by destroy, a duplicate create names the existing domain
//! and its import command, destroy deletes, a key of another instance
//! writes nothing, and plan, refresh and import send only GETs.

mod support;

use serde_json::{json, Value as Json};
use support::{http, Emulator, Workspace, LIVE_KEY};

const ADDRESS: &str = "clerk_domain.satellite";
const PATH: &str = "/v1/domains";

fn control(emulator: &Emulator, method: &str, target: &str, body: Option<Json>) -> Json {
    let id = emulator.instance_id();
    let (status, answer) = http::request(
        &emulator.addr,
        method,
        &format!("/__emulator/instances/{id}/domains{target}"),
        body.as_ref(),
    );
    assert_eq!(status, 200, "control {method} {target} failed: {answer}");
    answer
}

/// Every domain of the instance, the primary first.
fn listed(emulator: &Emulator) -> Vec<Json> {
    control(emulator, "GET", "", None)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn write(method: &str, path: &str, body: Json) -> (String, String, Json) {
    (method.to_string(), path.to_string(), body)
}

fn config(ws: &Workspace, body: &str) {
    ws.write_config(&format!(
        "provider \"clerk\" {{}}\n\nresource \"clerk_domain\" \"satellite\" {{\n{body}\n}}\n"
    ));
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    config(&ws, body);
    ws.init();
    ws
}

#[test]
fn lifecycle_rename_drift_recreate_and_destroy() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, "  name = \"satellite.example.com\"");
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "POST",
            PATH,
            json!({"name": "satellite.example.com", "is_satellite": true})
        )]
    );
    let values = ws.resource_values(ADDRESS);
    let id = values["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("dmn_"), "{values}");
    assert_eq!(values["is_satellite"], true);
    assert_eq!(values["proxy_url"], Json::Null);
    assert!(
        values["frontend_api_url"]
            .as_str()
            .is_some_and(|u| !u.is_empty()),
        "{values}"
    );
    // A development satellite has no CNAME targets: Clerk reports null.
    assert_eq!(values["cname_targets"], Json::Null);

    // Plan and refresh only read.
    emulator.clear_requests();
    ws.assert_no_changes();
    emulator.assert_only_gets();
    emulator.clear_requests();
    ws.run(&["refresh", "-input=false", "-no-color"])
        .assert_ok();
    emulator.assert_only_gets();
    assert!(emulator
        .requests()
        .iter()
        .any(|r| r["method"] == "GET" && r["path"] == PATH));

    // A key of another instance neither writes nor sees the domain gone.
    let mut foreign = Workspace::new(&emulator);
    std::fs::copy(
        ws.path().join("terraform.tfstate"),
        foreign.path().join("terraform.tfstate"),
    )
    .unwrap();
    config(&foreign, "  name = \"docs.example.com\"");
    foreign.init();
    foreign.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    emulator.clear_requests();
    let run = foreign.apply();
    run.assert_failed();
    assert!(
        run.flat()
            .contains("Secret key belongs to a different Clerk instance"),
        "{}",
        run.combined()
    );
    assert!(
        emulator.write_log().is_empty(),
        "{:?}",
        emulator.write_log()
    );

    // A new name is changed in place, sending only the name.
    config(&ws, "  name = \"docs.example.com\"");
    assert_eq!(ws.planned_actions(ADDRESS), ["update"]);
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "PATCH",
            &format!("{PATH}/{id}"),
            json!({"name": "docs.example.com"})
        )]
    );
    let values = ws.resource_values(ADDRESS);
    assert_eq!(values["id"], id.as_str());
    assert_eq!(values["name"], "docs.example.com");
    assert_eq!(listed(&emulator)[1]["name"], "docs.example.com");
    ws.assert_no_changes();

    // A proxy on a development instance: the plan refuses it, since the
    // instance recorded with the domain is a development one.
    config(
        &ws,
        "  name      = \"docs.example.com\"\n  proxy_url = \"https://docs.example.com/__clerk\"",
    );
    emulator.clear_requests();
    let run = ws.plan();
    run.assert_failed();
    let flat = run.flat();
    assert!(
        flat.contains("proxy_url is for production instances only"),
        "{}",
        run.combined()
    );
    assert!(flat.contains("a development instance"), "{flat}");
    assert!(emulator.write_log().is_empty());

    // Renamed in the dashboard: the plan shows it, apply puts it back.
    config(&ws, "  name = \"docs.example.com\"");
    control(
        &emulator,
        "PATCH",
        &format!("/{id}"),
        Some(json!({"name": "elsewhere.example.com"})),
    );
    let (code, run) = ws.plan_exit_code();
    assert_eq!(code, 2, "{}", run.combined());
    assert!(
        run.stdout
            .contains("\"elsewhere.example.com\" -> \"docs.example.com\""),
        "{}",
        run.stdout
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "PATCH",
            &format!("{PATH}/{id}"),
            json!({"name": "docs.example.com"})
        )]
    );
    ws.assert_no_changes();

    // Deleted outside Terraform: refresh drops it and apply creates it again.
    control(&emulator, "DELETE", &format!("/{id}"), None);
    assert_eq!(ws.planned_actions(ADDRESS), ["create"]);
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "POST",
            PATH,
            json!({"name": "docs.example.com", "is_satellite": true})
        )]
    );
    let new_id = ws.resource_values(ADDRESS)["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, id);
    ws.assert_no_changes();

    // A URL where a host name belongs is refused at plan, before any request.
    config(&ws, "  name = \"https://docs.example.com\"");
    emulator.clear_requests();
    let run = ws.plan();
    run.assert_failed();
    assert!(
        run.flat().contains("not a valid domain name"),
        "{}",
        run.combined()
    );
    assert!(emulator.write_log().is_empty());
    config(&ws, "  name = \"docs.example.com\"");

    // Destroy really deletes; the primary stays.
    emulator.clear_requests();
    ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write("DELETE", &format!("{PATH}/{new_id}"), Json::Null)]
    );
    let left = listed(&emulator);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["is_satellite"], false);
}

#[test]
fn production_proxy_is_set_removed_and_cname_targets_follow_the_name() {
    let emulator = Emulator::start();
    let mut ws = Workspace::new(&emulator);
    ws.set_env("CLERK_SECRET_KEY", LIVE_KEY);
    let proxied =
        "  name      = \"sat.example.com\"\n  proxy_url = \"https://sat.example.com/__clerk\"";
    config(&ws, proxied);
    ws.init();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "POST",
            PATH,
            json!({
                "name": "sat.example.com",
                "is_satellite": true,
                "proxy_url": "https://sat.example.com/__clerk"
            })
        )]
    );
    let values = ws.resource_values(ADDRESS);
    let id = values["id"].as_str().unwrap().to_string();
    assert_eq!(values["proxy_url"], "https://sat.example.com/__clerk");
    assert_eq!(
        values["frontend_api_url"],
        "https://sat.example.com/__clerk"
    );
    assert_eq!(values["cname_targets"][0]["host"], "clerk.sat.example.com");
    assert_eq!(values["cname_targets"][0]["required"], true);
    assert!(values["cname_targets"][0]["value"].is_string(), "{values}");
    ws.assert_no_changes();

    // Removing the proxy sends null: back to the DNS setup.
    config(&ws, "  name = \"sat.example.com\"");
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "PATCH",
            &format!("{PATH}/{id}"),
            json!({"proxy_url": null})
        )]
    );
    let values = ws.resource_values(ADDRESS);
    assert_eq!(values["proxy_url"], Json::Null);
    assert_eq!(values["frontend_api_url"], "https://clerk.sat.example.com");
    assert_eq!(listed(&emulator)[1]["proxy_url"], Json::Null);
    ws.assert_no_changes();

    // A new name brings new CNAME targets, which the plan leaves unknown.
    config(&ws, "  name = \"app.example.com\"");
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "PATCH",
            &format!("{PATH}/{id}"),
            json!({"name": "app.example.com"})
        )]
    );
    let values = ws.resource_values(ADDRESS);
    assert_eq!(values["cname_targets"][0]["host"], "clerk.app.example.com");
    assert_eq!(values["frontend_api_url"], "https://clerk.app.example.com");
    ws.assert_no_changes();

    // And the proxy back, alone.
    config(
        &ws,
        "  name      = \"app.example.com\"\n  proxy_url = \"https://app.example.com/__clerk\"",
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        emulator.write_log(),
        [write(
            "PATCH",
            &format!("{PATH}/{id}"),
            json!({"proxy_url": "https://app.example.com/__clerk"})
        )]
    );
    ws.assert_no_changes();
}

#[test]
fn a_proxy_for_a_new_development_domain_is_refused_before_sending() {
    let emulator = Emulator::start();
    let ws = ready(
        &emulator,
        "  name      = \"sat.example.com\"\n  proxy_url = \"https://sat.example.com/__clerk\"",
    );
    emulator.clear_requests();
    let run = ws.apply();
    run.assert_failed();
    let flat = run.flat();
    assert!(
        flat.contains("proxy_url is for production instances only"),
        "{}",
        run.combined()
    );
    assert!(flat.contains("Nothing was sent to Clerk"), "{flat}");
    assert!(
        emulator.write_log().is_empty(),
        "{:?}",
        emulator.write_log()
    );
    assert_eq!(listed(&emulator).len(), 1);
}

#[test]
fn import_by_id_and_name_duplicates_and_the_primary() {
    let emulator = Emulator::start();
    Workspace::instance_data_source(&emulator);
    let first = control(
        &emulator,
        "POST",
        "",
        Some(json!({"name": "one.example.com"})),
    );
    let second = control(
        &emulator,
        "POST",
        "",
        Some(json!({"name": "two.example.com"})),
    );
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();
    let primary = listed(&emulator)[0].clone();
    let primary_id = primary["id"].as_str().unwrap();
    let primary_name = primary["name"].as_str().unwrap();
    assert_eq!(primary["is_satellite"], false);

    // Creating a domain whose name is taken names the existing one.
    let ws = ready(&emulator, "  name = \"one.example.com\"");
    emulator.clear_requests();
    let run = ws.apply();
    run.assert_failed();
    let flat = run.flat();
    assert!(flat.contains("already exists"), "{}", run.combined());
    assert!(
        flat.contains(&format!("terraform import clerk_domain.<name> {first_id}")),
        "{}",
        run.combined()
    );
    assert_eq!(emulator.write_log().len(), 1, "only the refused POST");

    // Import by id, and another by name: GETs only, then no changes.
    ws.write_config(
        "provider \"clerk\" {}\n\n\
         resource \"clerk_domain\" \"satellite\" {\n  name = \"one.example.com\"\n}\n\n\
         resource \"clerk_domain\" \"two\" {\n  name = \"two.example.com\"\n}\n",
    );
    emulator.clear_requests();
    ws.import(ADDRESS, first_id).assert_ok();
    ws.import("clerk_domain.two", "two.example.com").assert_ok();
    emulator.assert_only_gets();
    assert_eq!(ws.resource_values(ADDRESS)["id"], first_id);
    assert_eq!(ws.resource_values("clerk_domain.two")["id"], second_id);
    emulator.clear_requests();
    ws.assert_no_changes();
    emulator.assert_only_gets();

    // The primary domain is not a clerk_domain: import refuses it, by id
    // and by name, with where it is managed instead.
    let other = ready(&emulator, &format!("  name = \"{primary_name}\""));
    for by in [primary_id, primary_name] {
        emulator.clear_requests();
        let run = other.import(ADDRESS, by);
        run.assert_failed();
        let flat = run.flat();
        for part in [
            "Cannot import this object as clerk_domain",
            "primary domain",
            "clerk_instance_settings",
            "development_origin",
            primary_id,
        ] {
            assert!(flat.contains(part), "{part:?} missing:\n{}", run.combined());
        }
        assert!(emulator.write_log().is_empty());
    }
    // A create with the primary's name says whose it is.
    emulator.clear_requests();
    let run = other.apply();
    run.assert_failed();
    let flat = run.flat();
    assert!(flat.contains("The name is taken"), "{}", run.combined());
    assert!(flat.contains("primary domain"), "{flat}");
    assert!(!flat.contains("terraform import"), "{flat}");
    assert_eq!(emulator.write_log().len(), 1, "only the refused POST");

    // A primary domain somehow in state is never deleted.
    let pulled = ws.run(&["state", "pull"]);
    pulled.assert_ok();
    let mut state: Json = serde_json::from_str(&pulled.stdout).unwrap();
    state["serial"] = json!(state["serial"].as_i64().unwrap() + 1);
    for resource in state["resources"].as_array_mut().unwrap() {
        if resource["name"] == "satellite" {
            resource["instances"][0]["attributes"]["id"] = json!(primary_id);
        }
    }
    std::fs::write(ws.path().join("edited.tfstate"), state.to_string()).unwrap();
    ws.run(&["state", "push", "edited.tfstate"]).assert_ok();
    emulator.clear_requests();
    let run = ws.run(&[
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &format!("-target={ADDRESS}"),
    ]);
    run.assert_failed();
    let flat = run.flat();
    assert!(
        flat.contains("Cannot delete this object as clerk_domain"),
        "{}",
        run.combined()
    );
    assert!(flat.contains("clerk_instance_settings"), "{flat}");
    assert!(flat.contains("terraform state rm"), "{flat}");
    assert!(
        emulator.write_log().is_empty(),
        "{:?}",
        emulator.write_log()
    );
    assert_eq!(listed(&emulator).len(), 3);
}
