//! Shared by the fuzz targets: the value types inputs are decoded against,
//! picked by the input's first byte, and the checks every decoded value
//! must pass, and the seed inputs each target starts from. Each target
//! uses only part of it.

#![allow(dead_code)]

use std::sync::OnceLock;

use terraform_provider_clerk::provider::config;
use terraform_provider_clerk::resources::instance_settings::SETTINGS;
use terraform_provider_clerk::resources::singleton::model::{self, State};
use terraform_provider_clerk::resources::{self, Resource};
use terraform_provider_clerk::value::{msgpack, Type, Value};

/// Which schema a type comes from, so targets can run that schema's own
/// checks on what decodes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Resource,
    Provider,
    DataSource,
    Other,
}

/// The types the decoders are exercised with: the three real schemas
/// (what Terraform sends), `dynamic` (where the input chooses its own type,
/// so nesting and type expressions are reachable) and a synthetic object
/// holding every kind of type.
pub fn types() -> &'static [(Kind, Type)] {
    static TYPES: OnceLock<Vec<(Kind, Type)>> = OnceLock::new();
    TYPES.get_or_init(build_types)
}

fn build_types() -> Vec<(Kind, Type)> {
    let everything = Type::object([
        ("n", Type::Number),
        (
            "t",
            Type::Tuple(vec![Type::Bool, Type::String, Type::set(Type::Number)]),
        ),
        ("m", Type::map(Type::list(Type::Dynamic))),
        (
            "o",
            Type::object([("s", Type::String), ("l", Type::list(Type::Bool))]),
        ),
    ]);
    vec![
        (Kind::Resource, resources::resource("clerk_instance_settings").expect("registered").schema().value_type()),
        (Kind::Provider, config::schema().value_type()),
        (Kind::DataSource, resources::data_source("clerk_instance").expect("registered").schema().value_type()),
        (Kind::Other, Type::Dynamic),
        (Kind::Other, Type::list(Type::Dynamic)),
        (Kind::Other, everything),
    ]
}

/// Splits an input into (type selector, payload).
pub fn split(data: &[u8]) -> Option<(usize, &[u8])> {
    let (&selector, payload) = data.split_first()?;
    Some((usize::from(selector), payload))
}

/// A decoded value must encode again with its type, and decode to itself:
/// whatever the provider accepts it can also hand back to Terraform.
pub fn assert_msgpack_round_trip(value: &Value, ty: &Type) {
    let bytes = msgpack::encode(value, ty).expect("a decoded value re-encodes as msgpack");
    let again = msgpack::decode(&bytes, ty).expect("re-encoded msgpack decodes");
    assert_eq!(&again, value, "msgpack round trip changed the value");
}

/// What the handlers do first with a decoded configuration or state: the
/// validators and the typed model must not panic on anything that decodes.
pub fn run_schema_checks(kind: Kind, value: &Value) {
    match kind {
        Kind::Resource => {
            let resource = resources::resource("clerk_instance_settings").expect("registered");
            let _ = resource.validate(value);
            if let Ok(settings) = State::from_value(SETTINGS, value) {
                let _ = model::plan(SETTINGS, Some(&settings), &settings);
                let _ = model::patch_body(SETTINGS, None, &settings);
            }
        }
        Kind::Provider => {
            let _ = config::validate(value);
            let _ = config::parse(value, |_| None);
        }
        Kind::DataSource | Kind::Other => {}
    }
}

/// Writes `seeds` as files `seed-N` into `$FUZZ_SEED_DIR`, if set.
/// scripts/fuzz.sh points it at the target's corpus so every run starts
/// from well-formed inputs built from the current schemas.
pub fn write_seeds(seeds: &[Vec<u8>]) {
    let Some(dir) = std::env::var_os("FUZZ_SEED_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the seed directory");
    for (i, seed) in seeds.iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i}")), seed).expect("write a seed");
    }
}

/// A value of type `ty` with every attribute and element present, so the
/// fuzzer starts from inputs that decode all the way down.
pub fn sample(ty: &Type, depth: usize) -> Value {
    match ty {
        Type::Bool => Value::Bool(depth.is_multiple_of(2)),
        Type::Number => Value::int(42),
        Type::String => Value::string("https://app.example.com"),
        Type::Dynamic => Value::Dynamic(
            Type::list(Type::Number),
            Box::new(Value::List(vec![Value::int(1), Value::int(-7)])),
        ),
        Type::List(element) => {
            Value::List(vec![sample(element, depth + 1), sample(element, depth + 2)])
        }
        Type::Set(element) => Value::Set(vec![sample(element, depth + 1)]),
        Type::Map(element) => Value::Map(
            [("key".to_string(), sample(element, depth + 1))]
                .into_iter()
                .collect(),
        ),
        Type::Object(attributes) => Value::Object(
            attributes
                .iter()
                .map(|(name, ty)| (name.clone(), sample(ty, depth + 1)))
                .collect(),
        ),
        Type::Tuple(elements) => {
            Value::Tuple(elements.iter().map(|ty| sample(ty, depth + 1)).collect())
        }
    }
}

/// A realistic `clerk_instance_settings` state, as Terraform stores it.
pub fn resource_state() -> Value {
    Value::object([
        ("id", Value::string("ins_2abcDEF")),
        ("environment_type", Value::string("development")),
        (
            "allowed_origins",
            Value::Set(vec![
                Value::string("https://app.example.com"),
                Value::string("chrome-extension://abcdefghijklmnop"),
            ]),
        ),
        ("clerk_js_version", Value::string("5.2.1")),
        ("development_origin", Value::string("http://localhost:3000")),
        ("enhanced_email_deliverability", Value::Null),
        ("hibp", Value::Bool(true)),
        (
            "preferred_sign_in_strategy_when_password_required",
            Value::string("otp"),
        ),
        ("support_email", Value::string("support@example.com")),
        ("test_mode", Value::Bool(false)),
        ("url_based_session_syncing", Value::Null),
    ])
}
