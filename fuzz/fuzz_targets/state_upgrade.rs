//! Fuzz target: `clerk_instance_settings` state upgrade, what
//! UpgradeResourceState runs on the JSON in terraform.tfstate. Input: one
//! byte choosing the stored schema version (-1 to 2), then the raw JSON.
//! It must never panic; an answer without errors is a value of the current
//! schema that encodes for Terraform and reads as settings.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terraform_provider_clerk::resources::instance_settings::{INSTANCE_SETTINGS, SETTINGS};
use terraform_provider_clerk::resources::singleton::{model::State, SCHEMA_VERSION};
use terraform_provider_clerk::resources::Resource;
use terraform_provider_clerk::value::{json, msgpack, Type};

mod common;

/// Stored state at version 0 as written, with an attribute from a newer
/// version, and at the other versions the selector can pick.
fn seeds() -> Vec<Vec<u8>> {
    let ty = INSTANCE_SETTINGS.schema().value_type();
    let state = json::encode(&common::resource_state(), &ty).expect("seed encodes");
    let mut newer = state.clone();
    newer.pop();
    newer.extend_from_slice(br#","future_setting":"on"}"#);
    let mut seeds = Vec::new();
    for selector in 0..4u8 {
        for document in [&state, &newer] {
            let mut seed = vec![selector];
            seed.extend_from_slice(document);
            seeds.push(seed);
        }
    }
    seeds
}

fuzz_target!(init: common::write_seeds(&seeds()), |data: &[u8]| {
    let Some((&selector, raw_json)) = data.split_first() else {
        return;
    };
    let version = i64::from(selector % 4) - 1;
    let (value, diagnostics) = INSTANCE_SETTINGS.upgrade(version, raw_json);
    if diagnostics.has_errors() {
        return;
    }
    assert!(
        version <= SCHEMA_VERSION,
        "state from a newer schema version was accepted"
    );
    static TYPE: OnceLock<Type> = OnceLock::new();
    let ty = TYPE.get_or_init(|| INSTANCE_SETTINGS.schema().value_type());
    msgpack::encode(&value, ty).expect("upgraded state encodes");
    let _ = State::from_value(SETTINGS, &value);
});
