//! Fuzz target: `value::msgpack::decode`, the decoder for every
//! `DynamicValue` Terraform sends. Input: one byte choosing the type, then
//! msgpack. Decoding must never panic or over-allocate; whatever decodes
//! must re-encode to the same value and pass the schema's own checks.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use terraform_provider_clerk::value::{msgpack, Type, Value};

/// Per type: every attribute set, every attribute null, and (for the
/// resource) a realistic state with an unknown value in it.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (i, (kind, ty)) in common::types().iter().enumerate() {
        let mut values = vec![common::sample(ty, 0), Value::Null, Value::Unknown];
        if let Type::Object(attributes) = ty {
            values.push(Value::Object(
                attributes
                    .keys()
                    .map(|k| (k.clone(), Value::Null))
                    .collect(),
            ));
        }
        if *kind == common::Kind::Resource {
            let mut state = common::resource_state();
            if let Value::Object(attributes) = &mut state {
                attributes.insert("id".into(), Value::Unknown);
            }
            values.push(state);
        }
        for value in values {
            let mut seed = vec![i as u8];
            seed.extend(msgpack::encode(&value, ty).expect("seed encodes"));
            seeds.push(seed);
        }
    }
    seeds
}

fuzz_target!(init: common::write_seeds(&seeds()), |data: &[u8]| {
    let Some((selector, payload)) = common::split(data) else {
        return;
    };
    let types = common::types();
    let (kind, ty) = &types[selector % types.len()];
    if let Ok(value) = msgpack::decode(payload, ty) {
        common::assert_msgpack_round_trip(&value, ty);
        common::run_schema_checks(*kind, &value);
    }
});
