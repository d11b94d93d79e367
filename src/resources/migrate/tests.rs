//! Taking over vanillauys/clerk state: which stored layouts are recognised,
//! what is kept, what is dropped and named.

use serde_json::json;

use super::*;
use crate::framework::Severity;

fn schema(type_name: &str) -> Schema {
    crate::resources::resource(type_name)
        .expect("a registered resource")
        .schema()
}

fn recognized(type_name: &str, version: i64, state: serde_json::Value) -> Option<Adopted> {
    recognize(
        type_name,
        version,
        state.to_string().as_bytes(),
        &schema(type_name),
    )
    .map(|r| r.expect("adopted"))
}

fn move_request(provider: &str, source: &str, target: &str, version: i64) -> MoveRequest {
    MoveRequest {
        source_provider_address: provider.to_string(),
        source_type_name: source.to_string(),
        source_schema_version: version,
        source_state_json: json!({
            "id": "ins_2abc",
            "enabled": true,
            "max_allowed_memberships": 5,
            "admin_delete_enabled": true,
            "domains_enabled": false,
            "domains_enrollment_modes": ["automatic_invitation", "automatic_invitation"],
            "creator_role_id": null,
            "domains_default_role_id": null,
            "creator_role": "org:admin",
            "domains_default_role": "org:member",
            "max_allowed_roles": 10,
            "max_allowed_permissions": 50
        })
        .to_string()
        .into_bytes(),
        source_private: b"{}".to_vec(),
        target_type_name: target.to_string(),
    }
}

fn their_restrictions() -> serde_json::Value {
    json!({
        "id": "ins_2abc",
        "allowlist": false,
        "blocklist": true,
        "block_email_subaddresses": true,
        "block_disposable_email_domains": false,
        "ignore_dots_for_gmail_addresses": false
    })
}

#[test]
fn their_restrictions_keep_every_shared_attribute_and_name_the_dropped_one() {
    let adopted = recognized("clerk_instance_restrictions", 0, their_restrictions())
        .expect("recognised as vanillauys/clerk state");
    assert_eq!(adopted.dropped, vec!["ignore_dots_for_gmail_addresses"]);
    assert_eq!(adopted.id(), "ins_2abc");
    let value = &adopted.value;
    assert_eq!(value.get("blocklist"), Some(&Value::Bool(true)));
    assert_eq!(value.get("allowlist"), Some(&Value::Bool(false)));
    assert_eq!(
        value.get("block_disposable_email_domains"),
        Some(&Value::Bool(false))
    );
    assert!(value.get("ignore_dots_for_gmail_addresses").is_none());
    let warning = adopted.warning().expect("a warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.summary.contains("vanillauys/clerk"));
    assert!(
        warning.detail.contains("`ignore_dots_for_gmail_addresses`"),
        "{}",
        warning.detail
    );
    assert!(warning.detail.contains("Nothing was sent to Clerk"));
}

#[test]
fn state_with_only_our_attributes_takes_the_usual_path() {
    let mut ours = their_restrictions();
    ours.as_object_mut()
        .unwrap()
        .remove("ignore_dots_for_gmail_addresses");
    assert!(recognized("clerk_instance_restrictions", 0, ours).is_none());
}

#[test]
fn attributes_no_known_layout_has_are_not_claimed() {
    let mut state = their_restrictions();
    state["from_the_future"] = json!(true);
    assert!(recognized("clerk_instance_restrictions", 0, state).is_none());
    // A layout of theirs we do not know (a later version) is not guessed at.
    assert!(recognized("clerk_instance_restrictions", 1, their_restrictions()).is_none());
    // Nor is the dropped attribute of one type claimed for another.
    let domain =
        json!({"id": "dmn_1", "name": "a.example.com", "ignore_dots_for_gmail_addresses": true});
    assert!(recognized("clerk_domain", 0, domain).is_none());
}

#[test]
fn organization_settings_move_from_theirs_or_from_our_address_after_replace_provider() {
    let target = schema("clerk_organization_settings");
    for provider in [
        "providers.example/vanillauys/clerk",
        "vanillauys/clerk",
        "terraform.local/clerk/clerk",
    ] {
        let request = move_request(
            provider,
            "clerk_instance_organization_settings",
            "clerk_organization_settings",
            0,
        );
        let adopted = moved(&request, &target)
            .unwrap_or_else(|| panic!("{provider}: a known move"))
            .expect("moved");
        assert_eq!(adopted.dropped, vec!["max_allowed_permissions"]);
        let value = &adopted.value;
        assert_eq!(value.get("id").and_then(Value::as_str), Some("ins_2abc"));
        assert_eq!(value.get("enabled"), Some(&Value::Bool(true)));
        assert_eq!(
            value.get("creator_role").and_then(Value::as_str),
            Some("org:admin")
        );
        // Their list became our set; its repeated element is kept once.
        assert_eq!(
            value.get("domains_enrollment_modes"),
            Some(&Value::Set(vec![Value::string("automatic_invitation")]))
        );
        // Attributes they never had are null until the first refresh.
        assert_eq!(value.get("slug_disabled"), Some(&Value::Null));
    }
}

#[test]
fn other_moves_are_not_ours_to_make() {
    let target = schema("clerk_organization_settings");
    for (provider, source, to) in [
        (
            "providers.example/someone/other",
            "clerk_instance_organization_settings",
            "clerk_organization_settings",
        ),
        (
            "vanillauys/clerk",
            "clerk_organization",
            "clerk_organization_settings",
        ),
        (
            "vanillauys/clerk",
            "clerk_instance_organization_settings",
            "clerk_instance_settings",
        ),
    ] {
        assert!(
            moved(&move_request(provider, source, to, 0), &target).is_none(),
            "{provider} {source} -> {to}"
        );
    }
}

#[test]
fn a_later_schema_version_of_theirs_is_refused_naming_the_versions() {
    let request = move_request(
        "vanillauys/clerk",
        "clerk_instance_organization_settings",
        "clerk_organization_settings",
        3,
    );
    let problem = moved(&request, &schema("clerk_organization_settings"))
        .expect("a known move")
        .expect_err("refused");
    assert!(problem.contains("schema version 3"), "{problem}");
    assert!(problem.contains("up to 0"), "{problem}");
}

#[test]
fn a_moved_state_with_attributes_they_never_stored_is_refused() {
    let mut request = move_request(
        "vanillauys/clerk",
        "clerk_instance_organization_settings",
        "clerk_organization_settings",
        0,
    );
    request.source_state_json = br#"{"id":"ins_1","enabled":true,"surprise":1}"#.to_vec();
    let problem = moved(&request, &schema("clerk_organization_settings"))
        .expect("a known move")
        .expect_err("refused");
    assert!(problem.contains("surprise"), "{problem}");
}

#[test]
fn every_layout_targets_a_registered_type_and_drops_only_what_we_lack() {
    for foreign in FOREIGN {
        let target = schema(foreign.target_type);
        let ours = attribute_names(&target);
        for (name, why) in foreign.dropped {
            assert!(
                !ours.contains(name),
                "{}: {name} exists here",
                foreign.target_type
            );
            assert!(!why.is_empty());
        }
    }
}
