//! Unit tests of the collection engine's pure parts: plans and what
//! replaces, request bodies, answers becoming state, listings and paging,
//! private state, and the three resources' descriptions.

use serde_json::json;

use super::model::{self, Field, Kind, Listing, Private};
use super::*;
use crate::resources::allowlist_identifier::ALLOWLIST_IDENTIFIER;
use crate::resources::blocklist_identifier::BLOCKLIST_IDENTIFIER;
use crate::resources::redirect_url::REDIRECT_URL;

static FIELDS: &[Field] = &[
    Field::required("name", Kind::String, "n").replaces(),
    Field::optional("notify", Kind::Bool, "w").create_only(),
    Field::optional("label", Kind::String, "l"),
    Field::required("claims", Kind::String, "c").always_sent(),
    Field::computed("kind", Kind::String, "k"),
];

fn state(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn prior() -> Value {
    state(&[
        ("id", s("x_1")),
        ("name", s("a")),
        ("notify", Value::Bool(true)),
        ("label", s("L")),
        ("claims", s("{}")),
        ("kind", s("email")),
    ])
}

#[test]
fn create_plans_computed_attributes_as_unknown() {
    let config = state(&[("name", s("a")), ("claims", s("{}"))]);
    let planned = model::plan(FIELDS, None, &config);
    assert!(planned.replace.is_empty());
    assert_eq!(planned.state.get("id"), Some(&Value::Unknown));
    assert_eq!(planned.state.get("kind"), Some(&Value::Unknown));
    assert_eq!(planned.state.get("name"), Some(&s("a")));
    assert_eq!(planned.state.get("notify"), Some(&Value::Null));
}

#[test]
fn a_changed_immutable_attribute_replaces_and_others_do_not() {
    let mut config = prior();
    let unchanged = model::plan(FIELDS, Some(&prior()), &config);
    assert!(unchanged.replace.is_empty());
    assert_eq!(unchanged.state, prior());

    if let Value::Object(map) = &mut config {
        map.insert("label".into(), s("M"));
        map.insert("notify".into(), Value::Bool(false));
    }
    let update = model::plan(FIELDS, Some(&prior()), &config);
    assert!(update.replace.is_empty());
    assert_eq!(update.state.get("id"), Some(&s("x_1")));

    if let Value::Object(map) = &mut config {
        map.insert("name".into(), s("b"));
    }
    let replaced = model::plan(FIELDS, Some(&prior()), &config);
    assert_eq!(replaced.replace, vec![AttributePath::root("name")]);
    assert_eq!(replaced.state.get("id"), Some(&Value::Unknown));
    assert_eq!(replaced.state.get("kind"), Some(&Value::Unknown));

    // A value known only at apply may differ: it replaces too.
    if let Value::Object(map) = &mut config {
        map.insert("name".into(), Value::Unknown);
    }
    let unknown = model::plan(FIELDS, Some(&prior()), &config);
    assert_eq!(unknown.replace, vec![AttributePath::root("name")]);
}

#[test]
fn create_body_sends_what_is_set_and_nothing_computed() {
    let config = state(&[
        ("id", Value::Unknown),
        ("name", s("a")),
        ("notify", Value::Bool(false)),
        ("label", Value::Null),
        ("claims", s("{}")),
        ("kind", Value::Unknown),
    ]);
    let body = model::create_body(FIELDS, &config).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"name": "a", "notify": false, "claims": "{}"})
    );
    let unknown = state(&[("name", Value::Unknown)]);
    assert!(model::create_body(FIELDS, &unknown).is_err());
}

#[test]
fn update_body_sends_changes_and_required_fields_only() {
    let mut planned = prior();
    assert!(model::update_body(FIELDS, &prior(), &planned)
        .unwrap()
        .is_empty());
    if let Value::Object(map) = &mut planned {
        map.insert("notify".into(), Value::Bool(false));
    }
    // A create-only change sends nothing.
    assert!(model::update_body(FIELDS, &prior(), &planned)
        .unwrap()
        .is_empty());
    if let Value::Object(map) = &mut planned {
        map.insert("label".into(), Value::Null);
    }
    let body = model::update_body(FIELDS, &prior(), &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"label": null, "claims": "{}"})
    );
}

#[test]
fn answers_become_state_keeping_write_only_values_and_spelling() {
    let answer = json!({"id": "x_2", "name": "A", "label": "N", "claims": "{}", "kind": "phone",
        "notify": false, "extra": 1});
    let state = model::state_from_object(FIELDS, &answer, Some(&prior()));
    assert_eq!(state.get("id"), Some(&s("x_2")));
    // Differs only in case: the configured spelling stays.
    assert_eq!(state.get("name"), Some(&s("a")));
    assert_eq!(state.get("label"), Some(&s("N")));
    assert_eq!(state.get("kind"), Some(&s("phone")));
    // Never read back: the known value stays.
    assert_eq!(state.get("notify"), Some(&Value::Bool(true)));
    let imported = model::state_from_object(FIELDS, &answer, None);
    assert_eq!(imported.get("notify"), Some(&Value::Null));
    assert_eq!(imported.get("name"), Some(&s("A")));
}

#[test]
fn listings_are_parsed_and_searched() {
    let array = json!([{"id": "a", "identifier": "X@example.com"}, {"id": "b"}]);
    let all = model::parse_list(Listing::PagedArray, &array).unwrap();
    assert_eq!(model::find_by_id(&all, "b").unwrap()["id"], "b");
    assert!(model::find_by_id(&all, "c").is_none());
    assert_eq!(
        model::find_by_key(&all, "identifier", "x@EXAMPLE.com").unwrap()["id"],
        "a"
    );
    let object = json!({"data": [{"id": "z"}], "total_count": 1});
    assert_eq!(
        model::parse_list(Listing::DataObject, &object)
            .unwrap()
            .len(),
        1
    );
    assert!(model::parse_list(Listing::PagedArray, &object).is_err());
    assert!(model::parse_list(Listing::DataObject, &array).is_err());
}

#[tokio::test]
async fn pages_are_read_until_a_short_one() {
    let total = 23usize;
    let mut offsets = Vec::new();
    let all = model::collect_pages(10, |offset| {
        offsets.push(offset);
        let items: Vec<serde_json::Value> = (offset..total.min(offset + 10))
            .map(|i| json!({ "id": i }))
            .collect();
        async move { Ok::<_, ()>(items) }
    })
    .await
    .unwrap();
    assert_eq!(all.len(), total);
    assert_eq!(offsets, [0, 10, 20]);
    // An exact multiple needs one more, empty, page.
    let mut calls = 0;
    let all = model::collect_pages(5, |offset| {
        calls += 1;
        let items: Vec<serde_json::Value> =
            (offset..10.min(offset + 5)).map(|i| json!(i)).collect();
        async move { Ok::<_, ()>(items) }
    })
    .await
    .unwrap();
    assert_eq!((all.len(), calls), (10, 3));
    assert_eq!(
        model::page_path("/x", 500, 1000),
        "/x?limit=500&offset=1000"
    );
}

#[test]
fn private_state_round_trips_and_tolerates_garbage() {
    let private = Private {
        instance_id: Some("ins_1".into()),
    };
    assert_eq!(Private::from_bytes(&private.to_bytes()), private);
    assert_eq!(Private::from_bytes(b""), Private::default());
    assert_eq!(Private::from_bytes(b"not json"), Private::default());
    assert!(Private::default().to_bytes().is_empty());
}

#[test]
fn ids_cannot_change_the_path() {
    assert_eq!(model::path_segment("ru_abc-1"), "ru_abc-1");
    assert_eq!(model::path_segment("../x?y"), "%2E%2E%2Fx%3Fy");
}

#[test]
fn the_three_resources_are_described_consistently() {
    for (collection, key) in [
        (&REDIRECT_URL, "url"),
        (&ALLOWLIST_IDENTIFIER, "identifier"),
        (&BLOCKLIST_IDENTIFIER, "identifier"),
    ] {
        assert_eq!(collection.natural_key, Some(key));
        let natural = collection.fields.iter().find(|f| f.name == key).unwrap();
        assert!(natural.replaces && natural.validate.is_some());
        // Nothing Clerk could not update is left without `replaces`.
        assert!(!collection.updatable);
        for field in collection.fields {
            assert!(
                field.replaces || field.create_only || !field.configurable(),
                "{}.{}",
                collection.type_name,
                field.name
            );
        }
        let schema = collection.schema();
        assert!(schema.block.attribute("id").unwrap().computed);
    }
    let notify = ALLOWLIST_IDENTIFIER
        .schema()
        .block
        .attribute("notify")
        .cloned()
        .unwrap();
    assert!(notify.optional && notify.description.contains("never read back"));
}

#[test]
fn validation_uses_the_shared_rules() {
    let bad = Value::object([("url", s("example.com"))]);
    let diags = REDIRECT_URL.validate_config(&bad);
    assert!(diags.has_errors());
    let ok = Value::object([("url", s("my-app://callback"))]);
    assert!(!REDIRECT_URL.validate_config(&ok).has_errors());
    let unknown = Value::object([("url", Value::Unknown)]);
    assert!(!REDIRECT_URL.validate_config(&unknown).has_errors());
    let domain = Value::object([("identifier", s("*@example.com"))]);
    assert!(ALLOWLIST_IDENTIFIER.validate_config(&domain).has_errors());
    assert!(!BLOCKLIST_IDENTIFIER.validate_config(&domain).has_errors());
}

#[test]
fn destroy_plans_null_and_keeps_private_state() {
    let request = PlanRequest {
        type_name: "clerk_redirect_url".into(),
        prior_state: prior(),
        proposed_new_state: Value::Null,
        config: Value::Null,
        prior_private: b"{\"instance_id\":\"ins_1\"}".to_vec(),
    };
    let response = REDIRECT_URL.plan(&request);
    assert!(response.planned_state.is_null());
    assert_eq!(response.planned_private, request.prior_private);
}
