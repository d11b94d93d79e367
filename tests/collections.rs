//! The collection resources (`clerk_redirect_url`,
//! `clerk_allowlist_identifier`, `clerk_blocklist_identifier`) under real
//! Terraform against clerk-emulator: create sends the configured object,
//! the plan is empty after apply, a changed immutable attribute replaces,
//! an object deleted outside Terraform is created again, import works by
//! id and by natural key, a duplicate create names the existing object and
//! its import command, destroy deletes, plan/refresh/import send only GETs,
//! a key of another instance writes nothing, and refreshing many
//! identifiers costs a handful of list requests.

mod support;

use serde_json::{json, Value as Json};
use support::{http, Emulator, Workspace};

/// Creates an object behind Terraform's back, as the Clerk Dashboard would;
/// returns it as the Backend API answers it.
fn create_out_of_band(emulator: &Emulator, list: &str, body: Json) -> Json {
    let id = emulator.instance_id();
    let (status, answer) = http::request(
        &emulator.addr,
        "POST",
        &format!("/__emulator/instances/{id}/{list}"),
        Some(&body),
    );
    assert_eq!(status, 200, "out-of-band create failed: {answer}");
    answer
}

fn delete_out_of_band(emulator: &Emulator, list: &str, object: &str) {
    let id = emulator.instance_id();
    let (status, answer) = http::request(
        &emulator.addr,
        "DELETE",
        &format!("/__emulator/instances/{id}/{list}/{object}"),
        None,
    );
    assert_eq!(status, 200, "out-of-band delete failed: {answer}");
}

/// The stored objects of one list.
fn stored(emulator: &Emulator, list: &str) -> Vec<Json> {
    emulator.instance()["lists"][list]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn writes(emulator: &Emulator) -> Vec<(String, String)> {
    emulator
        .calls()
        .into_iter()
        .filter(|(method, _)| method != "GET")
        .collect()
}

fn ready(emulator: &Emulator, body: &str) -> Workspace {
    let ws = Workspace::new(emulator);
    ws.write_config(&format!("provider \"clerk\" {{}}\n\n{body}"));
    ws.init();
    ws
}

fn request_bodies(emulator: &Emulator, method: &str, path: &str) -> Vec<Json> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r["method"] == method && r["path"] == path)
        .map(|r| r["body"].clone())
        .collect()
}

const URL: &str = "clerk_redirect_url.callback";

fn redirect(url: &str) -> String {
    format!("resource \"clerk_redirect_url\" \"callback\" {{\n  url = \"{url}\"\n}}\n")
}

#[test]
fn redirect_url_lifecycle_replace_drift_and_destroy() {
    let emulator = Emulator::start();
    let ws = ready(&emulator, &redirect("my-app://oauth-callback"));
    ws.apply().assert_ok();
    assert_eq!(
        request_bodies(&emulator, "POST", "/v1/redirect_urls"),
        [json!({"url": "my-app://oauth-callback"})]
    );
    let values = ws.resource_values(URL);
    let first = values["id"].as_str().unwrap().to_string();
    assert!(first.starts_with("ru_"), "{values}");
    assert_eq!(stored(&emulator, "redirect_urls").len(), 1);
    emulator.clear_requests();
    ws.assert_no_changes();
    assert!(writes(&emulator).is_empty());
    // Refresh reads the one object by id.
    assert!(emulator
        .calls()
        .contains(&("GET".into(), format!("/v1/redirect_urls/{first}"))));

    // A new URL replaces the object: Clerk cannot update one.
    ws.write_config(&format!(
        "provider \"clerk\" {{}}\n\n{}",
        redirect("https://example.com/callback")
    ));
    assert_eq!(ws.planned_actions(URL), ["delete", "create"]);
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert_eq!(
        writes(&emulator),
        [
            ("DELETE".to_string(), format!("/v1/redirect_urls/{first}")),
            ("POST".to_string(), "/v1/redirect_urls".to_string()),
        ]
    );
    let second = ws.resource_values(URL)["id"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    ws.assert_no_changes();

    // Deleted outside Terraform: refresh drops it and apply creates it again.
    delete_out_of_band(&emulator, "redirect_urls", &second);
    assert_eq!(ws.planned_actions(URL), ["create"]);
    ws.apply().assert_ok();
    let stored_now = stored(&emulator, "redirect_urls");
    assert_eq!(stored_now.len(), 1);
    assert_eq!(stored_now[0]["value"], "https://example.com/callback");
    ws.assert_no_changes();

    // Destroy really deletes.
    ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    assert!(stored(&emulator, "redirect_urls").is_empty());

    // A value Clerk would refuse is refused at plan, before any request.
    ws.write_config(&format!(
        "provider \"clerk\" {{}}\n\n{}",
        redirect("example.com")
    ));
    emulator.clear_requests();
    let run = ws.plan();
    run.assert_failed();
    assert!(
        run.flat().contains("not a valid redirect URL"),
        "{}",
        run.combined()
    );
    assert!(writes(&emulator).is_empty());
}

#[test]
fn import_by_id_and_natural_key_only_reads() {
    let emulator = Emulator::start();
    Workspace::instance_data_source(&emulator);
    let url = create_out_of_band(&emulator, "redirect_urls", json!({"url": "my-app://cb"}));
    let allowed = create_out_of_band(
        &emulator,
        "allowlist_identifiers",
        json!({"identifier": "friend@example.com"}),
    );
    let blocked = create_out_of_band(
        &emulator,
        "blocklist_identifiers",
        json!({"identifier": "*@spam.example"}),
    );
    let ws = ready(
        &emulator,
        &format!(
            "{}\nresource \"clerk_allowlist_identifier\" \"friend\" {{\n  identifier = \"friend@example.com\"\n}}\n\nresource \"clerk_blocklist_identifier\" \"spam\" {{\n  identifier = \"*@spam.example\"\n}}\n",
            redirect("my-app://cb")
        ),
    );
    emulator.clear_requests();

    // By id …
    ws.import(URL, url["id"].as_str().unwrap()).assert_ok();
    ws.import(
        "clerk_allowlist_identifier.friend",
        allowed["id"].as_str().unwrap(),
    )
    .assert_ok();
    // … and by natural key.
    ws.import("clerk_blocklist_identifier.spam", "*@spam.example")
        .assert_ok();
    assert_eq!(ws.resource_values(URL)["id"], url["id"]);
    let spam = ws.resource_values("clerk_blocklist_identifier.spam");
    assert_eq!(spam["id"], blocked["id"]);
    assert_eq!(spam["identifier_type"], "email_address");
    let friend = ws.resource_values("clerk_allowlist_identifier.friend");
    assert_eq!(friend["identifier_type"], "email_address");
    assert_eq!(friend["notify"], Json::Null);
    ws.assert_no_changes();
    ws.run(&["refresh", "-input=false", "-no-color"])
        .assert_ok();
    assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));

    // The other way round, after forgetting them.
    for address in [URL, "clerk_blocklist_identifier.spam"] {
        ws.run(&["state", "rm", address]).assert_ok();
    }
    ws.import(URL, "my-app://cb").assert_ok();
    ws.import(
        "clerk_blocklist_identifier.spam",
        blocked["id"].as_str().unwrap(),
    )
    .assert_ok();
    ws.assert_no_changes();

    // Something that does not exist is an error that says so.
    ws.run(&["state", "rm", URL]).assert_ok();
    let run = ws.import(URL, "my-app://other");
    run.assert_failed();
    assert!(
        run.flat().contains("No such redirect URL"),
        "{}",
        run.combined()
    );
    assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));
}

#[test]
fn a_duplicate_create_names_the_existing_object_and_the_import_command() {
    let emulator = Emulator::start();
    Workspace::instance_data_source(&emulator);
    let existing = create_out_of_band(
        &emulator,
        "allowlist_identifiers",
        json!({"identifier": "+15555550100"}),
    );
    let id = existing["id"].as_str().unwrap();
    let ws = ready(
        &emulator,
        "resource \"clerk_allowlist_identifier\" \"phone\" {\n  identifier = \"+15555550100\"\n}\n",
    );
    emulator.clear_requests();
    let run = ws.apply();
    run.assert_failed();
    let text = run.flat();
    assert!(text.contains("already exists"), "{}", run.combined());
    assert!(text.contains(id), "{}", run.combined());
    assert!(
        text.contains(&format!(
            "terraform import clerk_allowlist_identifier.<name> {id}"
        )),
        "{}",
        run.combined()
    );
    // The refused POST is the only write; the id was found with a GET.
    assert_eq!(
        writes(&emulator),
        [("POST".to_string(), "/v1/allowlist_identifiers".to_string())]
    );
    assert_eq!(stored(&emulator, "allowlist_identifiers").len(), 1);
    // Following the advice works.
    ws.import("clerk_allowlist_identifier.phone", id)
        .assert_ok();
    assert_eq!(
        ws.resource_values("clerk_allowlist_identifier.phone")["identifier_type"],
        "phone_number"
    );
    ws.assert_no_changes();
}

/// A create is not idempotent: once a POST may have reached Clerk (a
/// server error or a dropped connection after Clerk acted), it is not sent
/// again. The error says the object may have been created and, finding it
/// by its URL, names its id and the import command, after which the plan
/// is empty. A rate limit (never applied) is still retried.
#[test]
fn a_create_whose_answer_was_lost_is_sent_once_and_the_object_named() {
    let emulator = Emulator::start();
    let ws = Workspace::new(&emulator);
    ws.write_config(&format!(
        "provider \"clerk\" {{\n  max_retries = 3\n}}\n\n{}",
        redirect("my-app://lost-answer")
    ));
    ws.init();
    let faults = [
        json!({"method": "POST", "path": "/v1/redirect_urls", "times": 10,
               "status": 503, "after_handling": true}),
        json!({"method": "POST", "path": "/v1/redirect_urls", "times": 10,
               "reset": true, "after_handling": true}),
    ];
    for fault in faults {
        emulator.clear_requests();
        emulator.fault(fault.clone());
        let run = ws.apply();
        run.assert_failed();
        emulator.clear_faults();
        let posts = request_bodies(&emulator, "POST", "/v1/redirect_urls");
        assert_eq!(posts.len(), 1, "{fault}: sent again");
        let created = stored(&emulator, "redirect_urls");
        assert_eq!(created.len(), 1, "{fault}: {created:?}");
        let id = created[0]["id"].as_str().unwrap().to_string();
        let text = run.flat();
        assert!(
            text.contains("The redirect URL may have been created"),
            "{fault}:\n{text}"
        );
        assert!(
            text.contains(&format!("terraform import clerk_redirect_url.<name> {id}")),
            "{fault}:\n{text}"
        );
        ws.import(URL, &id).assert_ok();
        ws.assert_no_changes();
        // Start the next round without the object.
        ws.run(&["destroy", "-auto-approve", "-no-color"])
            .assert_ok();
        assert!(stored(&emulator, "redirect_urls").is_empty());
    }

    // Never applied: retried, and created once.
    emulator.clear_requests();
    emulator.fault(
        json!({"method": "POST", "path": "/v1/redirect_urls", "times": 1,
                          "status": 429, "retry_after": "0"}),
    );
    ws.apply().assert_ok();
    assert_eq!(
        request_bodies(&emulator, "POST", "/v1/redirect_urls").len(),
        2
    );
    assert_eq!(stored(&emulator, "redirect_urls").len(), 1);
    ws.assert_no_changes();
}

#[test]
fn allowlist_identifiers_notify_on_create_only_and_come_back_when_deleted() {
    let emulator = Emulator::start();
    let config = |notify: bool| {
        format!(
            "resource \"clerk_allowlist_identifier\" \"a\" {{\n  identifier = \"a@example.com\"\n  notify     = {notify}\n}}\n"
        )
    };
    let ws = ready(&emulator, &config(true));
    ws.apply().assert_ok();
    assert_eq!(
        request_bodies(&emulator, "POST", "/v1/allowlist_identifiers"),
        [json!({"identifier": "a@example.com", "notify": true})]
    );
    ws.assert_no_changes();

    // notify is only ever sent on create: changing it sends nothing.
    ws.write_config(&format!("provider \"clerk\" {{}}\n\n{}", config(false)));
    assert_eq!(
        ws.planned_actions("clerk_allowlist_identifier.a"),
        ["update"]
    );
    emulator.clear_requests();
    ws.apply().assert_ok();
    assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));
    assert_eq!(
        ws.resource_values("clerk_allowlist_identifier.a")["notify"],
        false
    );
    ws.assert_no_changes();

    // Deleted outside Terraform: found missing in the listing, created again.
    let id = ws.resource_values("clerk_allowlist_identifier.a")["id"]
        .as_str()
        .unwrap()
        .to_string();
    delete_out_of_band(&emulator, "allowlist_identifiers", &id);
    assert_eq!(
        ws.planned_actions("clerk_allowlist_identifier.a"),
        ["create"]
    );
    ws.apply().assert_ok();
    assert_eq!(stored(&emulator, "allowlist_identifiers").len(), 1);
    ws.assert_no_changes();

    // A new identifier replaces the object.
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_allowlist_identifier\" \"a\" {\n  identifier = \"b@example.com\"\n}\n",
    );
    assert_eq!(
        ws.planned_actions("clerk_allowlist_identifier.a"),
        ["delete", "create"]
    );
    ws.apply().assert_ok();
    let now = stored(&emulator, "allowlist_identifiers");
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["value"], "b@example.com");
    ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    assert!(stored(&emulator, "allowlist_identifiers").is_empty());
}

#[test]
fn blocklist_identifiers_replace_recreate_and_destroy() {
    let emulator = Emulator::start();
    let config = |identifier: &str| {
        format!(
            "resource \"clerk_blocklist_identifier\" \"b\" {{\n  identifier = \"{identifier}\"\n}}\n"
        )
    };
    let ws = ready(
        &emulator,
        &config("0x52908400098527886E0F7030069857D2E4169EE7"),
    );
    ws.apply().assert_ok();
    let values = ws.resource_values("clerk_blocklist_identifier.b");
    assert_eq!(values["identifier_type"], "web3_wallet");
    ws.assert_no_changes();
    ws.write_config(&format!(
        "provider \"clerk\" {{}}\n\n{}",
        config("*@spam.example")
    ));
    assert_eq!(
        ws.planned_actions("clerk_blocklist_identifier.b"),
        ["delete", "create"]
    );
    ws.apply().assert_ok();
    let id = ws.resource_values("clerk_blocklist_identifier.b")["id"]
        .as_str()
        .unwrap()
        .to_string();
    delete_out_of_band(&emulator, "blocklist_identifiers", &id);
    assert_eq!(
        ws.planned_actions("clerk_blocklist_identifier.b"),
        ["create"]
    );
    ws.apply().assert_ok();
    ws.assert_no_changes();
    ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
        .assert_ok();
    assert!(stored(&emulator, "blocklist_identifiers").is_empty());
    // An allow-list-only form is refused at plan for the allow-list.
    ws.write_config(
        "provider \"clerk\" {}\n\nresource \"clerk_allowlist_identifier\" \"d\" {\n  identifier = \"*@example.com\"\n}\n",
    );
    let run = ws.plan();
    run.assert_failed();
    assert!(run.flat().contains("email domain"), "{}", run.combined());
}

#[test]
fn refreshing_many_identifiers_costs_a_handful_of_list_requests() {
    let emulator = Emulator::start();
    let mut body = String::new();
    for i in 0..30 {
        body.push_str(&format!(
            "resource \"clerk_allowlist_identifier\" \"u{i}\" {{\n  identifier = \"user{i}@example.com\"\n}}\n\n"
        ));
    }
    for i in 0..5 {
        body.push_str(&format!(
            "resource \"clerk_blocklist_identifier\" \"b{i}\" {{\n  identifier = \"bad{i}@example.com\"\n}}\n\n"
        ));
    }
    let ws = ready(&emulator, &body);
    ws.apply().assert_ok();
    assert_eq!(stored(&emulator, "allowlist_identifiers").len(), 30);
    emulator.clear_requests();

    ws.assert_no_changes();
    let all = emulator.calls();
    let lists = |path: &str| all.iter().filter(|(_, p)| p == path).count();
    let allow = lists("/v1/allowlist_identifiers");
    let block = lists("/v1/blocklist_identifiers");
    let instance = lists("/v1/instance");
    assert!(
        (1..=2).contains(&allow),
        "{allow} allow-list reads: {all:?}"
    );
    assert!(
        (1..=2).contains(&block),
        "{block} block-list reads: {all:?}"
    );
    assert!(instance <= 2, "{instance} instance reads");
    assert!(
        all.len() <= 6,
        "{} requests for 35 refreshes: {all:?}",
        all.len()
    );
    assert!(writes(&emulator).is_empty());
    // The allow-list is read in pages as large as Clerk serves.
    let queries: Vec<Json> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/v1/allowlist_identifiers")
        .map(|r| r["query"].clone())
        .collect();
    assert_eq!(queries[0], "limit=500&offset=0");
}

#[test]
fn a_key_of_another_instance_neither_writes_nor_sees_objects_as_gone() {
    let emulator = Emulator::start();
    let mut ws = ready(&emulator, &redirect("my-app://cb"));
    ws.apply().assert_ok();
    let before = ws.state();
    let instance = emulator.instance_id();
    ws.set_env("CLERK_SECRET_KEY", "sk_test_AnotherInstanceKey42");
    emulator.clear_requests();
    let run = ws.plan();
    run.assert_failed();
    assert!(
        run.flat().contains("belongs to a different Clerk instance"),
        "{}",
        run.combined()
    );
    let run = ws.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    run.assert_failed();
    assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));
    let lists = emulator.get(&format!("/__emulator/instances/{instance}"))["lists"].clone();
    assert_eq!(lists["redirect_urls"].as_array().map(Vec::len), Some(1));
    // State still holds the object.
    assert_eq!(
        ws.state()["values"]["root_module"]["resources"],
        before["values"]["root_module"]["resources"]
    );
}

/// One Backend API request with the test key; status and JSON body.
fn bapi(emulator: &Emulator, method: &str, path: &str, body: Option<&Json>) -> (u16, Json) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(&emulator.addr).unwrap();
    let payload = body.map(Json::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nClerk-API-Version: 2026-05-12\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        emulator.addr,
        support::TEST_KEY,
        payload.len()
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    // The body may be chunked: take the JSON between the outer brackets.
    let start = rest.find(['{', '[']).unwrap_or(0);
    let end = rest.rfind(['}', ']']).map_or(rest.len(), |e| e + 1);
    (
        status,
        serde_json::from_str(&rest[start..end]).unwrap_or(Json::Null),
    )
}

#[test]
fn the_emulated_lists_are_as_strict_as_the_spec() {
    let emulator = Emulator::start();
    let (status, created) = bapi(
        &emulator,
        "POST",
        "/v1/allowlist_identifiers",
        Some(&json!({"identifier": "a@example.com", "notify": true})),
    );
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["object"], "allowlist_identifier");
    assert_eq!(created["identifier_type"], "email_address");
    assert!(created["invitation_id"].as_str().is_some());
    // A duplicate, in Clerk's error shape.
    let (status, refused) = bapi(
        &emulator,
        "POST",
        "/v1/allowlist_identifiers",
        Some(&json!({"identifier": "A@example.com"})),
    );
    assert_eq!(status, 422);
    assert_eq!(refused["errors"][0]["code"], "form_identifier_exists");
    assert_eq!(refused["errors"][0]["meta"]["param_name"], "identifier");
    // additionalProperties: false, and the identifier forms.
    let (status, refused) = bapi(
        &emulator,
        "POST",
        "/v1/blocklist_identifiers",
        Some(&json!({"identifier": "not an identifier", "notify": true})),
    );
    assert_eq!(status, 422);
    let codes: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["form_param_unknown", "form_param_format_invalid"]);
    // Paging: default 10, limit and offset, bounds.
    for i in 0..14 {
        let body = json!({ "url": format!("my-app://cb/{i}") });
        assert_eq!(
            bapi(&emulator, "POST", "/v1/redirect_urls", Some(&body)).0,
            200
        );
    }
    let page = |query: &str| bapi(&emulator, "GET", &format!("/v1/redirect_urls{query}"), None);
    assert_eq!(page("").1.as_array().unwrap().len(), 10);
    let (_, last) = page("?limit=5&offset=10");
    assert_eq!(last.as_array().unwrap().len(), 4);
    assert_eq!(last[0]["url"], "my-app://cb/10");
    assert_eq!(page("?limit=501").0, 422);
    assert_eq!(page("?limit=0").0, 422);
    // The block-list listing has no paging parameters.
    let (status, blocked) = bapi(&emulator, "GET", "/v1/blocklist_identifiers", None);
    assert_eq!((status, blocked["total_count"].clone()), (200, json!(0)));
    assert_eq!(
        bapi(&emulator, "GET", "/v1/blocklist_identifiers?limit=5", None).0,
        422
    );
    // Get and delete by id; 404 once gone; no GET by id for identifiers.
    let id = last[0]["id"].as_str().unwrap();
    assert_eq!(
        bapi(&emulator, "GET", &format!("/v1/redirect_urls/{id}"), None).0,
        200
    );
    let (status, deleted) = bapi(
        &emulator,
        "DELETE",
        &format!("/v1/redirect_urls/{id}"),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        deleted,
        json!({"object": "redirect_url", "id": id, "deleted": true})
    );
    assert_eq!(
        bapi(&emulator, "GET", &format!("/v1/redirect_urls/{id}"), None).0,
        404
    );
    assert_eq!(
        bapi(
            &emulator,
            "DELETE",
            &format!("/v1/redirect_urls/{id}"),
            None
        )
        .0,
        404
    );
    let allow_id = created["id"].as_str().unwrap();
    assert_eq!(
        bapi(
            &emulator,
            "GET",
            &format!("/v1/allowlist_identifiers/{allow_id}"),
            None
        )
        .0,
        405
    );
    // Every call is in the request log.
    let logged = emulator.calls();
    assert!(logged.contains(&("DELETE".to_string(), format!("/v1/redirect_urls/{id}"))));
}

#[test]
fn import_reads_the_listing_through_all_its_pages_and_a_gone_object_deletes_cleanly() {
    let emulator = Emulator::start();
    Workspace::instance_data_source(&emulator);
    // More than one page of 500.
    for i in 0..501 {
        create_out_of_band(
            &emulator,
            "allowlist_identifiers",
            json!({ "identifier": format!("user{i}@example.com") }),
        );
    }
    let ws = ready(
        &emulator,
        "resource \"clerk_allowlist_identifier\" \"last\" {\n  identifier = \"user500@example.com\"\n}\n",
    );
    emulator.clear_requests();
    ws.import("clerk_allowlist_identifier.last", "user500@example.com")
        .assert_ok();
    let queries: Vec<Json> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["path"] == "/v1/allowlist_identifiers")
        .map(|r| r["query"].clone())
        .collect();
    assert_eq!(
        queries,
        [json!("limit=500&offset=0"), json!("limit=500&offset=500")]
    );
    ws.assert_no_changes();

    // Deleted behind Terraform's back, then destroyed without a refresh:
    // Clerk's 404 counts as done.
    let id = ws.resource_values("clerk_allowlist_identifier.last")["id"]
        .as_str()
        .unwrap()
        .to_string();
    delete_out_of_band(&emulator, "allowlist_identifiers", &id);
    emulator.clear_requests();
    ws.run(&[
        "destroy",
        "-auto-approve",
        "-refresh=false",
        "-input=false",
        "-no-color",
    ])
    .assert_ok();
    assert_eq!(
        writes(&emulator),
        [(
            "DELETE".to_string(),
            format!("/v1/allowlist_identifiers/{id}")
        )]
    );
    assert!(ws.state()["values"]["root_module"]["resources"]
        .as_array()
        .is_none_or(Vec::is_empty));
}
