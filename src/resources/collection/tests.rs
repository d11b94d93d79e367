//! Unit tests of the collection engine's pure parts: plans and what
//! replaces, request bodies, answers becoming state, listings and paging,
//! private state, lists of objects, fixed and production-only attributes,
//! and the resources' descriptions.

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
        environment: Some("development".into()),
    };
    assert_eq!(Private::from_bytes(&private.to_bytes()), private);
    assert!(private.not_production());
    // Written before the environment was recorded: not known, not refused.
    let old = Private::from_bytes(br#"{"instance_id":"ins_1"}"#);
    assert_eq!(old.instance_id.as_deref(), Some("ins_1"));
    assert_eq!(old.environment, None);
    assert!(!old.not_production());
    let production = Private {
        environment: Some("production".into()),
        ..private
    };
    assert!(!production.not_production());
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

static JSON_FIELDS: &[Field] = &[
    Field::required("name", Kind::String, "n").always_sent(),
    Field::required("claims", Kind::JsonObject, "c").always_sent(),
    Field::optional_computed("lifetime", Kind::Int, "l"),
    Field::optional_computed("custom", Kind::Bool, "f"),
    Field::optional_computed("algorithm", Kind::String, "a")
        .reset_by("custom")
        .sent_with("key"),
    Field::optional("key", Kind::String, "k")
        .write_only()
        .sensitive()
        .required_when("custom"),
];

fn json_prior() -> Value {
    state(&[
        ("id", s("t_1")),
        ("name", s("t")),
        ("claims", s(r#"{"a":1,"b":{"c":[1,2]}}"#)),
        ("lifetime", Value::int(60)),
        ("custom", Value::Bool(false)),
        ("algorithm", s("RS256")),
        ("key", Value::Null),
    ])
}

fn json_collection() -> Collection {
    Collection {
        type_name: "clerk_test",
        subject: "test",
        description: "d",
        path: "/tests",
        listing: Listing::PagedArray,
        lookup: Lookup::ById,
        natural_key: Some("name"),
        updatable: true,
        fields: JSON_FIELDS,
    }
}

#[test]
fn json_object_texts_compare_as_json() {
    let a = s(r#"{"a":1,"b":{"c":[1,2]}}"#);
    assert!(model::same(
        Kind::JsonObject,
        &a,
        &s("{ \"b\": {\"c\": [1, 2]},\n \"a\": 1 }")
    ));
    assert!(!model::same(
        Kind::JsonObject,
        &a,
        &s(r#"{"a":1,"b":{"c":[2,1]}}"#)
    ));
    assert!(!model::same(Kind::JsonObject, &a, &s("not json")));
    assert!(!model::same(Kind::String, &s("{}"), &s("{ }")));
    assert!(model::parse_json_object("[1]")
        .unwrap_err()
        .contains("array"));
    assert!(model::parse_json_object("{")
        .unwrap_err()
        .contains("not valid JSON"));
}

#[test]
fn reformatted_claims_plan_the_prior_text() {
    let mut config = json_prior();
    if let Value::Object(map) = &mut config {
        map.insert("claims".into(), s("{\"b\": {\"c\": [1, 2]}, \"a\": 1}"));
        map.insert("lifetime".into(), Value::Null);
        map.insert("custom".into(), Value::Null);
        map.insert("algorithm".into(), Value::Null);
    }
    let planned = model::plan(JSON_FIELDS, Some(&json_prior()), &config);
    assert_eq!(planned.state, json_prior());
    let body = model::update_body(JSON_FIELDS, &json_prior(), &planned.state).unwrap();
    assert!(body.is_empty());
}

#[test]
fn unconfigured_optional_computed_values_keep_clerks_until_reset() {
    let config = state(&[("name", s("t")), ("claims", s("{}"))]);
    let created = model::plan(JSON_FIELDS, None, &config);
    assert_eq!(created.state.get("lifetime"), Some(&Value::Unknown));
    let body = model::create_body(JSON_FIELDS, &created.state).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"name": "t", "claims": {}})
    );

    let mut config = json_prior();
    if let Value::Object(map) = &mut config {
        map.insert("algorithm".into(), Value::Null);
        map.insert("custom".into(), Value::Bool(true));
        map.insert("key".into(), s("k"));
    }
    let planned = model::plan(JSON_FIELDS, Some(&json_prior()), &config);
    assert_eq!(planned.state.get("algorithm"), Some(&Value::Unknown));
    let body = model::update_body(JSON_FIELDS, &json_prior(), &planned.state).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"name": "t", "claims": {"a": 1, "b": {"c": [1, 2]}}, "custom": true, "key": "k"})
    );
}

#[test]
fn an_update_sends_always_sent_fields_and_the_changed_ones() {
    let mut planned = json_prior();
    if let Value::Object(map) = &mut planned {
        map.insert("lifetime".into(), Value::int(3600));
    }
    let body = model::update_body(JSON_FIELDS, &json_prior(), &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"name": "t", "claims": {"a": 1, "b": {"c": [1, 2]}}, "lifetime": 3600})
    );
}

#[test]
fn a_field_brings_the_one_clerk_wants_with_it() {
    let mut prior = json_prior();
    if let Value::Object(map) = &mut prior {
        map.insert("custom".into(), Value::Bool(true));
        map.insert("algorithm".into(), s("HS256"));
        map.insert("key".into(), s("k"));
    }
    let mut planned = prior.clone();
    if let Value::Object(map) = &mut planned {
        map.insert("algorithm".into(), s("HS384"));
    }
    let body = model::update_body(JSON_FIELDS, &prior, &planned).unwrap();
    assert_eq!(
        serde_json::Value::Object(body),
        json!({"name": "t", "claims": {"a": 1, "b": {"c": [1, 2]}}, "algorithm": "HS384", "key": "k"})
    );
}

#[test]
fn answers_keep_the_known_claims_text_and_write_only_values() {
    let answer = json!({
        "id": "t_1", "name": "t", "claims": {"b": {"c": [1, 2]}, "a": 1},
        "lifetime": 60, "custom": false, "algorithm": "RS256",
    });
    let mut known = json_prior();
    if let Value::Object(map) = &mut known {
        map.insert("key".into(), s("secret"));
    }
    let state = model::state_from_object(JSON_FIELDS, &answer, Some(&known));
    assert_eq!(state, known);

    let changed = json!({"id": "t_1", "name": "t", "claims": {"a": 2}, "lifetime": 90});
    let state = model::state_from_object(JSON_FIELDS, &changed, Some(&known));
    assert_eq!(state.get("claims"), Some(&s(r#"{"a":2}"#)));
    assert_eq!(state.get("lifetime"), Some(&Value::int(90)));
    assert_eq!(state.get("key"), Some(&s("secret")));
}

#[test]
fn validation_refuses_bad_json_and_a_missing_flagged_key() {
    let c = json_collection();
    let bad = state(&[("name", s("t")), ("claims", s("[1, 2]"))]);
    let diags = c.validate_config(&bad);
    assert_eq!(diags.0.len(), 1, "{diags:?}");
    assert!(format!("{diags:?}").contains("claims"));

    let flagged = state(&[
        ("name", s("t")),
        ("claims", s("{}")),
        ("custom", Value::Bool(true)),
    ]);
    let diags = c.validate_config(&flagged);
    assert_eq!(diags.0.len(), 1, "{diags:?}");
    assert!(format!("{diags:?}").contains("`key` is required when `custom` is `true`"));

    let fine = state(&[
        ("name", s("t")),
        ("claims", s("{}")),
        ("custom", Value::Bool(true)),
        ("key", s("k")),
    ]);
    assert!(c.validate_config(&fine).is_empty());
    let unknown_key = state(&[
        ("name", s("t")),
        ("claims", s("{}")),
        ("custom", Value::Bool(true)),
        ("key", Value::Unknown),
    ]);
    assert!(c.validate_config(&unknown_key).is_empty());

    let fraction = state(&[
        ("name", s("t")),
        ("claims", s("{}")),
        ("lifetime", Value::Number(crate::value::Number::Float(60.5))),
    ]);
    assert!(format!("{:?}", c.validate_config(&fraction)).contains("whole number"));
}

#[test]
fn the_jwt_template_is_described_for_in_place_updates() {
    use crate::resources::jwt_template::JWT_TEMPLATE;
    assert!(JWT_TEMPLATE.updatable);
    assert_eq!(JWT_TEMPLATE.natural_key, Some("name"));
    let field = |name: &str| JWT_TEMPLATE.fields.iter().find(|f| f.name == name).unwrap();
    assert!(field("name").always_sent && field("claims").always_sent);
    assert_eq!(field("claims").kind, Kind::JsonObject);
    assert!(JWT_TEMPLATE.fields.iter().all(|f| !f.replaces));
    let key = field("signing_key");
    assert!(key.sensitive && key.write_only && !key.create_only);
    assert_eq!(key.required_when, Some("custom_signing_key"));
    let schema = JWT_TEMPLATE.schema();
    let lifetime = schema.block.attribute("lifetime").unwrap();
    assert!(lifetime.optional && lifetime.computed);
    assert!(schema.block.attribute("signing_key").unwrap().sensitive);
}

/// A create-only flag that is optional and computed (the allow list's
/// `notify`): unset on a new object it is planned null, not unknown, since
/// nothing will ever read it back; unset later it keeps what state has, so
/// state that holds `false` (or `true`) plans no change.
#[test]
fn an_unset_create_only_flag_is_null_when_new_and_kept_afterwards() {
    static FLAGGED: &[Field] = &[
        Field::required("name", Kind::String, "n").replaces(),
        Field::optional_computed("notify", Kind::Bool, "w").create_only(),
    ];
    let config = state(&[("name", s("a")), ("notify", Value::Null)]);
    let created = model::plan(FLAGGED, None, &config);
    assert_eq!(created.state.get("notify"), Some(&Value::Null));
    for stored in [Value::Bool(false), Value::Bool(true), Value::Null] {
        let prior = state(&[
            ("id", s("x_1")),
            ("name", s("a")),
            ("notify", stored.clone()),
        ]);
        let planned = model::plan(FLAGGED, Some(&prior), &config);
        assert_eq!(planned.state, prior, "{stored:?}");
        assert!(model::update_body(FLAGGED, &prior, &planned.state)
            .unwrap()
            .is_empty());
    }
    // Replaced, the new object's flag is unset again.
    let prior = state(&[
        ("id", s("x_1")),
        ("name", s("b")),
        ("notify", Value::Bool(true)),
    ]);
    let replaced = model::plan(FLAGGED, Some(&prior), &config);
    assert_eq!(replaced.state.get("notify"), Some(&Value::Null));
}

static TARGET: &[(&str, Kind)] = &[("host", Kind::String), ("required", Kind::Bool)];

static SATELLITES: &[Field] = &[
    Field::required("name", Kind::String, "n"),
    Field::optional("proxy_url", Kind::String, "p").production_only(),
    Field::computed("is_satellite", Kind::Bool, "s").fixed(model::Literal::Bool(true), "why"),
    Field::computed("targets", Kind::ObjectList(TARGET), "t"),
];

fn satellite(name: &str, is_satellite: bool) -> Value {
    state(&[
        ("id", s("dmn_1")),
        ("name", s(name)),
        ("proxy_url", Value::Null),
        ("is_satellite", Value::Bool(is_satellite)),
        (
            "targets",
            Value::List(vec![state(&[
                ("host", s(&format!("clerk.{name}"))),
                ("required", Value::Bool(true)),
            ])]),
        ),
    ])
}

#[test]
fn object_lists_are_typed_read_and_written() {
    use crate::value::Type;
    assert_eq!(
        Kind::ObjectList(TARGET).value_type(),
        Type::list(Type::object([
            ("host", Type::String),
            ("required", Type::Bool)
        ]))
    );
    let answer = json!({
        "id": "dmn_1", "name": "a.example.com", "proxy_url": null, "is_satellite": true,
        "targets": [{"host": "clerk.a.example.com", "value": "ignored", "required": true}],
    });
    assert_eq!(
        model::state_from_object(SATELLITES, &answer, None),
        satellite("a.example.com", true)
    );
    // Clerk's null stays null; an item lacking an attribute has it null.
    let answer = json!({"id": "dmn_1", "targets": null});
    assert_eq!(
        model::state_from_object(SATELLITES, &answer, None).get("targets"),
        Some(&Value::Null)
    );
    let answer = json!({"id": "dmn_1", "targets": [{"host": "h"}]});
    assert_eq!(
        model::state_from_object(SATELLITES, &answer, None).get("targets"),
        Some(&Value::List(vec![state(&[
            ("host", s("h")),
            ("required", Value::Null)
        ])]))
    );
    // A configurable list of objects is sent as Clerk's array.
    static SENT: &[Field] = &[Field::optional("targets", Kind::ObjectList(TARGET), "t")];
    let planned = state(&[(
        "targets",
        Value::List(vec![state(&[("host", s("h")), ("required", Value::Null)])]),
    )]);
    assert_eq!(
        Json::Object(model::create_body(SENT, &planned).unwrap()),
        json!({"targets": [{"host": "h", "required": null}]})
    );
}

#[test]
fn fixed_values_are_sent_on_create_and_mark_other_objects() {
    let config = state(&[("name", s("a.example.com"))]);
    let planned = model::plan(SATELLITES, None, &config).state;
    assert_eq!(planned.get("is_satellite"), Some(&Value::Unknown));
    assert_eq!(
        Json::Object(model::create_body(SATELLITES, &planned).unwrap()),
        json!({"name": "a.example.com", "is_satellite": true})
    );
    assert!(model::foreign(SATELLITES, &satellite("a.example.com", true)).is_none());
    let (field, why) = model::foreign(SATELLITES, &satellite("a.example.com", false)).unwrap();
    assert_eq!((field.name, why), ("is_satellite", "why"));
    for unknown in [Value::Null, Value::Unknown] {
        let mut st = satellite("a.example.com", true);
        if let Value::Object(map) = &mut st {
            map.insert("is_satellite".into(), unknown);
        }
        assert!(model::foreign(SATELLITES, &st).is_none());
    }
    // Fixed values never go into an update.
    let mut renamed = satellite("b.example.com", true);
    if let Value::Object(map) = &mut renamed {
        map.insert("targets".into(), Value::Unknown);
    }
    assert_eq!(
        Json::Object(
            model::update_body(SATELLITES, &satellite("a.example.com", true), &renamed).unwrap()
        ),
        json!({"name": "b.example.com"})
    );
}

#[test]
fn an_update_plans_clerks_attributes_unknown_except_fixed_ones() {
    let prior = satellite("a.example.com", true);
    let unchanged = model::plan(SATELLITES, Some(&prior), &prior);
    assert_eq!(unchanged.state, prior);

    let renamed = model::plan(
        SATELLITES,
        Some(&prior),
        &state(&[("name", s("b.example.com"))]),
    );
    assert!(renamed.replace.is_empty());
    assert_eq!(renamed.state.get("id"), prior.get("id"));
    assert_eq!(renamed.state.get("targets"), Some(&Value::Unknown));
    assert_eq!(renamed.state.get("is_satellite"), Some(&Value::Bool(true)));

    // A configured value unknown at plan may change: Clerk's are unknown
    // too, and an apply that then sends nothing keeps the prior ones.
    let unknown = model::plan(
        SATELLITES,
        Some(&prior),
        &state(&[("name", Value::Unknown)]),
    );
    assert_eq!(unknown.state.get("targets"), Some(&Value::Unknown));
    let mut at_apply = unknown.state.clone();
    if let Value::Object(map) = &mut at_apply {
        map.insert("name".into(), s("a.example.com"));
    }
    assert_eq!(model::settle(&at_apply, &prior), prior);

    // Resources whose every change replaces or is create-only keep theirs.
    let old = self::prior();
    let mut config = old.clone();
    if let Value::Object(map) = &mut config {
        map.insert("notify".into(), Value::Bool(false));
    }
    let planned = model::plan(FIELDS, Some(&old), &config);
    assert_eq!(planned.state.get("kind"), Some(&s("email")));
}

#[test]
fn production_only_values_are_found_in_bodies_and_configurations() {
    let mut body = serde_json::Map::new();
    body.insert("name".into(), json!("a"));
    assert!(model::production_only_sent(SATELLITES, &body).is_empty());
    body.insert("proxy_url".into(), Json::Null);
    assert!(
        model::production_only_sent(SATELLITES, &body).is_empty(),
        "removing is allowed"
    );
    body.insert("proxy_url".into(), json!("https://a.example.com/__clerk"));
    let sent: Vec<_> = model::production_only_sent(SATELLITES, &body)
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(sent, ["proxy_url"]);
    assert!(model::production_only_configured(SATELLITES, &state(&[("name", s("a"))])).is_empty());
    assert_eq!(
        model::production_only_configured(
            SATELLITES,
            &state(&[("name", s("a")), ("proxy_url", Value::Unknown)])
        )
        .len(),
        1
    );
}

fn plan_domain(config: &Value, private: &Private) -> PlanResponse {
    use crate::resources::domain::DOMAIN;
    let prior = satellite("a.example.com", true);
    DOMAIN.plan(&PlanRequest {
        type_name: "clerk_domain".into(),
        prior_state: prior.clone(),
        proposed_new_state: config.clone(),
        config: config.clone(),
        prior_private: private.to_bytes(),
    })
}

#[test]
fn a_proxy_on_a_known_development_instance_is_refused_at_plan() {
    let with_proxy = state(&[
        ("name", s("a.example.com")),
        ("proxy_url", s("https://a.example.com/__clerk")),
    ]);
    let private = |environment: Option<&str>| Private {
        instance_id: Some("ins_1".into()),
        environment: environment.map(str::to_string),
    };
    let refused = plan_domain(&with_proxy, &private(Some("development")));
    let text = format!("{:?}", refused.diagnostics);
    assert!(refused.diagnostics.has_errors(), "{text}");
    assert!(
        text.contains("proxy_url is for production instances only"),
        "{text}"
    );
    assert!(text.contains("development instance"), "{text}");
    for environment in [Some("production"), None] {
        let planned = plan_domain(&with_proxy, &private(environment));
        assert!(!planned.diagnostics.has_errors(), "{environment:?}");
    }
    let without = state(&[("name", s("a.example.com"))]);
    assert!(!plan_domain(&without, &private(Some("development")))
        .diagnostics
        .has_errors());
}

#[test]
fn the_domain_is_described_as_a_satellite_collection() {
    use crate::resources::domain::DOMAIN;
    assert_eq!(DOMAIN.path, "/domains");
    assert_eq!(DOMAIN.listing, Listing::DataObject);
    assert_eq!(DOMAIN.lookup, Lookup::InListing);
    assert_eq!(DOMAIN.natural_key, Some("name"));
    assert!(DOMAIN.updatable);
    let field = |name: &str| DOMAIN.fields.iter().find(|f| f.name == name).unwrap();
    assert!(DOMAIN.fields.iter().all(|f| !f.replaces && !f.always_sent));
    assert!(field("proxy_url").production_only);
    assert_eq!(
        field("is_satellite").fixed.map(|(value, _)| value),
        Some(model::Literal::Bool(true))
    );
    assert!(field("is_satellite")
        .fixed
        .unwrap()
        .1
        .contains("clerk_instance_settings"));
    let schema = DOMAIN.schema();
    let targets = schema.block.attribute("cname_targets").unwrap();
    assert!(targets.computed && !targets.optional);
    assert_eq!(
        targets.ty,
        crate::value::Type::list(crate::value::Type::object([
            ("host", crate::value::Type::String),
            ("value", crate::value::Type::String),
            ("required", crate::value::Type::Bool),
        ]))
    );
    assert!(schema.block.attribute("name").unwrap().required);
    assert!(DOMAIN
        .validate_config(&state(&[("name", s(" a.example.com"))]))
        .has_errors());
}
