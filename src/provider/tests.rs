//! Provider configuration: defaults, environment fallbacks and refusals.

use std::collections::BTreeMap;

use super::config::{self, Parsed};
use crate::framework::{PathStep, Severity};
use crate::value::{Number, Value};

fn provider_config(pairs: &[(&str, Value)]) -> Value {
    let mut attributes: BTreeMap<String, Value> = config::schema()
        .block
        .attributes
        .iter()
        .map(|a| (a.name.clone(), Value::Null))
        .collect();
    for (name, value) in pairs {
        attributes.insert((*name).to_string(), value.clone());
    }
    Value::Object(attributes)
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn expect_errors(
    result: Result<Parsed, crate::framework::Diagnostics>,
) -> crate::framework::Diagnostics {
    match result {
        Ok(_) => panic!("expected errors"),
        Err(diags) => diags,
    }
}

#[test]
fn missing_key_names_both_the_attribute_and_the_variable() {
    let diags = expect_errors(config::parse(&provider_config(&[]), no_env));
    let text = format!("{} {}", diags.0[0].summary, diags.0[0].detail);
    assert!(text.contains("secret_key"), "{text}");
    assert!(text.contains("CLERK_SECRET_KEY"), "{text}");
}

#[test]
fn key_without_sk_prefix_is_refused_without_echoing_it() {
    let diags = expect_errors(config::parse(
        &provider_config(&[("secret_key", s("pk_test_SECRETVALUE"))]),
        no_env,
    ));
    let diag = &diags.0[0];
    assert_eq!(diag.severity, Severity::Error);
    assert_eq!(
        diag.attribute.as_ref().unwrap().0,
        vec![PathStep::Attribute("secret_key".into())]
    );
    assert!(diag.detail.contains("publishable"));
    assert!(!format!("{diag:?}").contains("SECRETVALUE"));
    // The static check at validate time agrees.
    assert!(config::validate(&provider_config(&[("secret_key", s("abc"))])).has_errors());
}

#[test]
fn environment_fills_in_key_and_url() {
    fn env(name: &str) -> Option<String> {
        match name {
            "CLERK_SECRET_KEY" => Some("sk_test_fromenv".into()),
            "CLERK_API_URL" => Some("http://127.0.0.1:9/v1/".into()),
            _ => None,
        }
    }
    let Ok(Parsed::Ready(parsed)) = config::parse(&provider_config(&[]), env) else {
        panic!("expected a configuration");
    };
    assert_eq!(parsed.secret_key.expose(), "sk_test_fromenv");
    assert_eq!(parsed.api_url.as_str(), "http://127.0.0.1:9/v1");
    assert!(!parsed.drift_detection);
    assert_eq!(parsed.retry.max_attempts, 5);
}

#[test]
fn explicit_values_win_over_the_environment() {
    fn env(name: &str) -> Option<String> {
        (name == "CLERK_SECRET_KEY").then(|| "sk_test_fromenv".to_string())
    }
    let value = provider_config(&[
        ("secret_key", s("sk_live_fromconfig")),
        ("max_retries", Value::Number(Number::Int(0))),
        ("drift_detection", Value::Bool(true)),
    ]);
    let Ok(Parsed::Ready(parsed)) = config::parse(&value, env) else {
        panic!("expected a configuration");
    };
    assert_eq!(parsed.secret_key.expose(), "sk_live_fromconfig");
    assert_eq!(
        config::describe_key(&parsed.secret_key),
        "sk_live (production instance)"
    );
    assert_eq!(parsed.retry.max_attempts, 1);
    assert!(parsed.drift_detection);
}

#[test]
fn api_url_defaults_to_the_one_documented_default() {
    let value = provider_config(&[("secret_key", s("sk_test_x"))]);
    let Ok(Parsed::Ready(parsed)) = config::parse(&value, no_env) else {
        panic!("expected a configuration");
    };
    assert_eq!(parsed.api_url, crate::clerk::ApiUrl::default());
    assert_eq!(
        parsed.api_url.as_str(),
        format!("{}/v1", crate::clerk::DEFAULT_API_URL)
    );
    let schema = config::schema();
    let attribute = schema.block.attributes.iter().find(|a| a.name == "api_url");
    let description = &attribute.unwrap().description;
    assert!(
        description.contains(&format!("`{}`", crate::clerk::DEFAULT_API_URL)),
        "{description}"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let value = provider_config(&[
        ("secret_key", s("sk_test_x")),
        ("api_url", s("http://api.example.com")),
    ]);
    let diags = expect_errors(config::parse(&value, no_env));
    assert!(diags.0.iter().any(|d| d.summary.contains("api_url")));
}

#[test]
fn unknown_values_defer_configuration() {
    let value = provider_config(&[("secret_key", Value::Unknown)]);
    assert!(matches!(
        config::parse(&value, no_env),
        Ok(Parsed::Deferred)
    ));
}

#[test]
fn negative_or_fractional_numbers_are_refused() {
    for bad in [
        Value::Number(Number::Int(-1)),
        Value::Number(Number::Float(1.5)),
    ] {
        let value = provider_config(&[("secret_key", s("sk_test_x")), ("max_retries", bad)]);
        assert!(config::validate(&value).has_errors());
        assert!(config::parse(&value, no_env).is_err());
    }
}

#[test]
fn every_number_is_range_checked_at_validate() {
    for (name, bad) in [
        ("drift_grace_seconds", -1),
        ("drift_grace_seconds", 86_401),
        ("request_timeout_seconds", 0),
        ("retry_budget_seconds", 0),
        ("max_retries", 11),
        ("max_retries", -1),
    ] {
        let value = provider_config(&[
            ("secret_key", s("sk_test_x")),
            (name, Value::Number(Number::Int(bad))),
        ]);
        let diags = config::validate(&value);
        assert!(diags.has_errors(), "{name} = {bad}");
        assert!(
            diags.0[0].detail.contains(&format!("not {bad}.")),
            "{:?}",
            diags.0[0].detail
        );
        assert!(config::parse(&value, no_env).is_err(), "{name} = {bad}");
    }
    for (name, good) in [
        ("drift_grace_seconds", 0),
        ("request_timeout_seconds", 1),
        ("retry_budget_seconds", 1),
        ("max_retries", 10),
    ] {
        let value = provider_config(&[
            ("secret_key", s("sk_test_x")),
            (name, Value::Number(Number::Int(good))),
        ]);
        assert!(!config::validate(&value).has_errors(), "{name} = {good}");
    }
}

#[test]
fn an_empty_api_url_reads_as_one_sentence() {
    let value = provider_config(&[("secret_key", s("sk_test_x")), ("api_url", s(""))]);
    let diags = config::validate(&value);
    assert!(diags.has_errors());
    assert!(!diags.0[0].detail.contains(".."), "{}", diags.0[0].detail);
}
