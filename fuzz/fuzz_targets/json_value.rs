//! Fuzz target: `value::json::decode` and `decode_lenient`, the decoders for
//! stored state and JSON `DynamicValue`s. Input: one byte choosing the type,
//! then JSON. Neither may panic; strict success implies lenient success with
//! nothing dropped; a decoded value re-encodes as JSON to itself and crosses
//! to msgpack unchanged.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use terraform_provider_clerk::value::json;

/// Per type: every attribute set and the null document; for the resource
/// also a realistic state and one with an attribute from a newer version.
fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (i, (kind, ty)) in common::types().iter().enumerate() {
        let mut documents = vec![
            json::encode(&common::sample(ty, 0), ty).expect("seed encodes"),
            b"null".to_vec(),
        ];
        if *kind == common::Kind::Resource {
            let state = json::encode(&common::resource_state(), ty).expect("seed encodes");
            let mut newer = state.clone();
            newer.pop();
            newer.extend_from_slice(br#","future_setting":{"a":[1,2.5e300]}}"#);
            documents.push(state);
            documents.push(newer);
        }
        for document in documents {
            let mut seed = vec![i as u8];
            seed.extend(document);
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
    let strict = json::decode(payload, ty);
    let lenient = json::decode_lenient(payload, ty);
    if let Ok(value) = &strict {
        let (lenient_value, dropped) = lenient
            .as_ref()
            .expect("what strict decoding accepts, lenient decoding accepts");
        assert_eq!(lenient_value, value);
        assert!(dropped.is_empty(), "strict decoding accepted extra attributes");
    }
    if let Ok((value, _)) = &lenient {
        let text = json::encode(value, ty).expect("a decoded value re-encodes as JSON");
        let again = json::decode(&text, ty).expect("re-encoded JSON decodes strictly");
        assert_eq!(&again, value, "JSON round trip changed the value");
        common::assert_msgpack_round_trip(value, ty);
        common::run_schema_checks(*kind, value);
    }
});
