//! Tests for the value codecs: round trips, exact wire bytes, hostile input.

use std::collections::BTreeMap;

use super::{json, msgpack, DecodeError, Number, PathStep, Type, Value, MAX_DEPTH};

fn object_type(attrs: &[(&str, Type)]) -> Type {
    Type::object(attrs.iter().cloned())
}

fn big(text: &str) -> Value {
    Value::Number(Number::Big(text.to_owned()))
}

fn float(f: f64) -> Value {
    Value::Number(Number::Float(f))
}

/// A type exercising every kind, with a matching value (all attributes
/// present, so decoding gives back exactly the same value).
fn rich_sample() -> (Type, Value) {
    let rule = object_type(&[
        ("name", Type::String),
        ("ports", Type::list(Type::Number)),
        ("enabled", Type::Bool),
    ]);
    let ty = object_type(&[
        ("id", Type::String),
        ("count", Type::Number),
        ("ratio", Type::Number),
        ("huge", Type::Number),
        ("rules", Type::set(rule.clone())),
        ("groups", Type::map(Type::list(Type::String))),
        (
            "pair",
            Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
        ),
        ("extra", Type::Dynamic),
        ("nothing", Type::String),
        ("labels", Type::map(Type::String)),
    ]);
    let rule_value = |name: &str, ports: &[i64], enabled: bool| {
        Value::object([
            ("name", Value::string(name)),
            (
                "ports",
                Value::List(ports.iter().map(|&p| Value::int(p)).collect()),
            ),
            ("enabled", Value::Bool(enabled)),
        ])
    };
    let labels: BTreeMap<String, Value> = (0..20)
        .map(|i| (format!("label-{i:02}"), Value::string("x".repeat(i))))
        .collect();
    let value = Value::object([
        ("id", Value::string("inst_123 \u{e9}\u{1F600} \"quoted\"\n")),
        ("count", Value::int(-40_000)),
        ("ratio", float(0.25)),
        ("huge", big("123456789012345678901234567890")),
        (
            "rules",
            Value::Set(vec![
                rule_value("web", &[80, 443], true),
                rule_value("ssh", &[], false),
            ]),
        ),
        (
            "groups",
            Value::Map(BTreeMap::from([
                (
                    "admins".to_owned(),
                    Value::List(vec![Value::string("a"), Value::string("b")]),
                ),
                ("empty".to_owned(), Value::List(vec![])),
                ("none".to_owned(), Value::Null),
            ])),
        ),
        (
            "pair",
            Value::Tuple(vec![
                Value::string("t"),
                Value::int(300),
                Value::Bool(false),
            ]),
        ),
        (
            "extra",
            Value::Dynamic(
                Type::list(object_type(&[("k", Type::String)])),
                Box::new(Value::List(vec![Value::object([(
                    "k",
                    Value::string("v"),
                )])])),
            ),
        ),
        ("nothing", Value::Null),
        ("labels", Value::Map(labels)),
    ]);
    (ty, value)
}

fn assert_msgpack_round_trip(value: &Value, ty: &Type) {
    let bytes = msgpack::encode(value, ty).expect("encodes");
    let decoded = msgpack::decode(&bytes, ty).expect("decodes");
    assert_eq!(&decoded, value, "msgpack round trip of {}", ty.to_json());
}

fn assert_json_round_trip(value: &Value, ty: &Type) {
    let bytes = json::encode(value, ty).expect("encodes");
    let decoded = json::decode(&bytes, ty).expect("decodes");
    assert_eq!(&decoded, value, "JSON round trip of {}", ty.to_json());
    let (lenient, dropped) = json::decode_lenient(&bytes, ty).expect("decodes");
    assert_eq!(&lenient, value);
    assert!(dropped.is_empty());
}

fn msgpack_err(bytes: &[u8], ty: &Type) -> DecodeError {
    match msgpack::decode(bytes, ty) {
        Ok(value) => panic!("expected an error for {bytes:02x?}, got {value:?}"),
        Err(e) => e,
    }
}

fn json_err(text: &str, ty: &Type) -> DecodeError {
    match json::decode(text.as_bytes(), ty) {
        Ok(value) => panic!("expected an error for {text}, got {value:?}"),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- round trips

#[test]
fn rich_value_round_trips_in_both_codecs() {
    let (ty, value) = rich_sample();
    assert_msgpack_round_trip(&value, &ty);
    assert_json_round_trip(&value, &ty);
}

#[test]
fn every_type_round_trips() {
    let nested_set = Type::set(object_type(&[
        ("inner", object_type(&[("deep", Type::list(Type::Bool))])),
        ("n", Type::Number),
    ]));
    let cases: Vec<(Type, Value)> = vec![
        (Type::Bool, Value::Bool(true)),
        (Type::Bool, Value::Bool(false)),
        (Type::Number, Value::int(0)),
        (Type::Number, Value::int(i64::MIN)),
        (Type::Number, Value::int(i64::MAX)),
        (Type::Number, float(-1.5e-300)),
        (Type::Number, big("18446744073709551616")),
        (Type::Number, big("-1e400")),
        (Type::String, Value::string("")),
        (Type::String, Value::string("s".repeat(70_000))),
        (Type::String, Value::string("\u{0}\u{1f}\\/\u{7f}")),
        (Type::list(Type::Number), Value::List(vec![])),
        (
            Type::list(Type::Number),
            Value::List((0..300).map(Value::int).collect()),
        ),
        (
            nested_set.clone(),
            Value::Set(vec![
                Value::object([
                    (
                        "inner",
                        Value::object([("deep", Value::List(vec![Value::Bool(true)]))]),
                    ),
                    ("n", Value::int(1)),
                ]),
                Value::object([("inner", Value::Null), ("n", Value::Null)]),
            ]),
        ),
        (
            Type::map(Type::list(Type::String)),
            Value::Map(BTreeMap::from([(
                "k".to_owned(),
                Value::List(vec![Value::string("v")]),
            )])),
        ),
        (Type::Tuple(vec![]), Value::Tuple(vec![])),
        (
            Type::Tuple(vec![Type::Dynamic, Type::set(Type::String)]),
            Value::Tuple(vec![
                Value::Dynamic(Type::Number, Box::new(Value::int(7))),
                Value::Set(vec![Value::string("a")]),
            ]),
        ),
        (
            Type::Dynamic,
            Value::Dynamic(
                Type::Dynamic,
                Box::new(Value::Dynamic(Type::Bool, Box::new(Value::Bool(true)))),
            ),
        ),
        (
            Type::Dynamic,
            Value::Dynamic(nested_set, Box::new(Value::Set(vec![]))),
        ),
        (Type::Dynamic, Value::Null),
        (
            object_type(&[]),
            Value::object(Vec::<(String, Value)>::new()),
        ),
        (object_type(&[("a", Type::String)]), Value::Null),
    ];
    for (ty, value) in &cases {
        assert_msgpack_round_trip(value, ty);
        assert_json_round_trip(value, ty);
    }
}

#[test]
fn unknowns_round_trip_in_msgpack() {
    let ty = object_type(&[
        ("a", Type::String),
        ("b", Type::list(Type::Number)),
        ("c", Type::Dynamic),
    ]);
    let value = Value::object([
        ("a", Value::Unknown),
        ("b", Value::List(vec![Value::int(1), Value::Unknown])),
        ("c", Value::Unknown),
    ]);
    assert_msgpack_round_trip(&value, &ty);
    assert_msgpack_round_trip(&Value::Unknown, &ty);
}

// ---------------------------------------------------------------- exact bytes

#[test]
fn unknown_is_always_fixext1_zero() {
    for ty in [
        Type::String,
        Type::Dynamic,
        object_type(&[("a", Type::Bool)]),
    ] {
        assert_eq!(
            msgpack::encode(&Value::Unknown, &ty).unwrap(),
            [0xd4, 0x00, 0x00]
        );
    }
}

#[test]
fn null_object_is_nil() {
    let ty = object_type(&[("a", Type::String), ("b", Type::list(Type::Bool))]);
    assert_eq!(msgpack::encode(&Value::Null, &ty).unwrap(), [0xc0]);
    assert_eq!(msgpack::decode(&[0xc0], &ty).unwrap(), Value::Null);
    assert_eq!(json::encode(&Value::Null, &ty).unwrap(), b"null");
}

#[test]
fn object_attributes_are_sorted_and_absent_ones_written_as_nil() {
    let ty = object_type(&[("b", Type::String), ("a", Type::String)]);
    let value = Value::object([("a", Value::string("x"))]);
    let expected = [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0];
    assert_eq!(msgpack::encode(&value, &ty).unwrap(), expected);
    assert_eq!(json::encode(&value, &ty).unwrap(), br#"{"a":"x","b":null}"#);
    // Decoding fills in the explicit null.
    assert_eq!(
        msgpack::decode(&expected, &ty).unwrap(),
        Value::object([("a", Value::string("x")), ("b", Value::Null)])
    );
}

#[test]
fn ints_use_the_smallest_encoding() {
    let cases: &[(i64, &[u8])] = &[
        (0, &[0x00]),
        (127, &[0x7f]),
        (-1, &[0xff]),
        (-32, &[0xe0]),
        (-33, &[0xd0, 0xdf]),
        (128, &[0xd1, 0x00, 0x80]),
        (-129, &[0xd1, 0xff, 0x7f]),
        (70_000, &[0xd2, 0x00, 0x01, 0x11, 0x70]),
        (
            i64::MIN,
            &[0xd3, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        ),
    ];
    for &(i, bytes) in cases {
        assert_eq!(
            msgpack::encode(&Value::int(i), &Type::Number).unwrap(),
            bytes
        );
        assert_eq!(
            msgpack::decode(bytes, &Type::Number).unwrap(),
            Value::int(i)
        );
    }
}

#[test]
fn every_int_form_decodes() {
    let cases: &[(&[u8], i64)] = &[
        (&[0x05], 5),
        (&[0xfb], -5),
        (&[0xcc, 0xff], 255),
        (&[0xcd, 0x01, 0x00], 256),
        (&[0xce, 0x00, 0x01, 0x00, 0x00], 65_536),
        (&[0xcf, 0, 0, 0, 0, 0, 0, 0, 0x2a], 42),
        (&[0xd0, 0x80], -128),
        (&[0xd1, 0x80, 0x00], -32_768),
        (&[0xd2, 0x80, 0x00, 0x00, 0x00], i64::from(i32::MIN)),
        (&[0xd3, 0, 0, 0, 0, 0, 0, 0, 0x07], 7),
        (
            &[0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            i64::MAX,
        ),
    ];
    for &(bytes, i) in cases {
        assert_eq!(
            msgpack::decode(bytes, &Type::Number).unwrap(),
            Value::int(i)
        );
    }
}

#[test]
fn other_scalar_encodings_are_exact() {
    assert_eq!(
        msgpack::encode(&Value::Bool(true), &Type::Bool).unwrap(),
        [0xc3]
    );
    assert_eq!(
        msgpack::encode(&Value::Bool(false), &Type::Bool).unwrap(),
        [0xc2]
    );
    let mut f = vec![0xcb];
    f.extend_from_slice(&0.1f64.to_be_bytes());
    assert_eq!(msgpack::encode(&float(0.1), &Type::Number).unwrap(), f);
    assert_eq!(
        msgpack::encode(&big("1e400"), &Type::Number).unwrap(),
        [0xa5, b'1', b'e', b'4', b'0', b'0']
    );
    let long = "y".repeat(40);
    let encoded = msgpack::encode(&Value::string(long.clone()), &Type::String).unwrap();
    assert_eq!(&encoded[..2], &[0xd9, 40]);
    let longer = "y".repeat(300);
    let encoded = msgpack::encode(&Value::string(longer), &Type::String).unwrap();
    assert_eq!(&encoded[..3], &[0xda, 0x01, 0x2c]);
    let list = Value::List((0..16).map(|_| Value::Bool(true)).collect());
    let encoded = msgpack::encode(&list, &Type::list(Type::Bool)).unwrap();
    assert_eq!(&encoded[..3], &[0xdc, 0x00, 0x10]);
}

#[test]
fn dynamic_is_a_type_value_pair() {
    let value = Value::Dynamic(Type::String, Box::new(Value::string("x")));
    let mut expected = vec![0x92, 0xc4, 8];
    expected.extend_from_slice(b"\"string\"");
    expected.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(msgpack::encode(&value, &Type::Dynamic).unwrap(), expected);
    assert_eq!(msgpack::decode(&expected, &Type::Dynamic).unwrap(), value);
    // The type may also come as a msgpack str.
    let mut as_str = vec![0x92, 0xa8];
    as_str.extend_from_slice(b"\"string\"");
    as_str.extend_from_slice(&[0xa1, b'x']);
    assert_eq!(msgpack::decode(&as_str, &Type::Dynamic).unwrap(), value);
    assert_eq!(
        json::encode(&value, &Type::Dynamic).unwrap(),
        br#"{"type":"string","value":"x"}"#
    );
    assert_eq!(
        json::decode(br#"{"value":"x","type":"string"}"#, &Type::Dynamic).unwrap(),
        value
    );
    // Null and unknown dynamics are bare nil / ext.
    assert_eq!(
        msgpack::decode(&[0xc0], &Type::Dynamic).unwrap(),
        Value::Null
    );
    assert_eq!(
        msgpack::decode(&[0xd4, 0, 0], &Type::Dynamic).unwrap(),
        Value::Unknown
    );
}

// ---------------------------------------------------------------- unknowns

#[test]
fn every_extension_form_decodes_as_unknown() {
    let forms: &[&[u8]] = &[
        &[0xd4, 0x00, 0x00],
        &[0xd4, 0x7f, 0x01],
        &[0xd5, 0x01, 0xaa, 0xbb],
        &[0xd6, 0x02, 1, 2, 3, 4],
        &[0xd7, 0x03, 1, 2, 3, 4, 5, 6, 7, 8],
        &[
            0xd8, 0xff, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        ],
        &[0xc7, 0x00, 0x05],
        // Refined unknown: ext 12 with payload {1: false} (not null).
        &[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2],
        // Refined unknown string with a prefix: {1: false, 2: "ab"}.
        &[0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'],
        &[0xc8, 0x00, 0x01, 0x0c, 0x80],
        &[0xc9, 0x00, 0x00, 0x00, 0x02, 0x0c, 0x81, 0xc0],
    ];
    for form in forms {
        for ty in [
            Type::String,
            Type::Number,
            Type::Dynamic,
            Type::list(Type::Bool),
            object_type(&[("a", Type::Bool)]),
        ] {
            assert_eq!(
                msgpack::decode(form, &ty).unwrap(),
                Value::Unknown,
                "{form:02x?} as {}",
                ty.to_json()
            );
        }
    }
    // Nested inside an object too.
    let ty = object_type(&[("a", Type::String), ("b", Type::Number)]);
    let bytes = [
        0x82, 0xa1, b'a', 0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2, 0xa1, b'b', 0x01,
    ];
    assert_eq!(
        msgpack::decode(&bytes, &ty).unwrap(),
        Value::object([("a", Value::Unknown), ("b", Value::int(1))])
    );
}

#[test]
fn truncated_extensions_are_errors() {
    for bytes in [
        &[0xd4, 0x00][..],
        &[0xd8, 0x00, 1, 2],
        &[0xc7, 0x05, 0x0c, 1],
        &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x0c],
    ] {
        msgpack_err(bytes, &Type::String);
    }
}

// ---------------------------------------------------------------- numbers

#[test]
fn number_edge_cases_decode_to_canonical_forms() {
    let n = |bytes: &[u8]| msgpack::decode(bytes, &Type::Number).unwrap();
    assert_eq!(n(&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]), Value::int(i64::MIN));
    assert_eq!(
        n(&[0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        Value::int(i64::MAX)
    );
    assert_eq!(
        n(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        big("18446744073709551615")
    );
    assert_eq!(
        n(&[0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        big("9223372036854775808")
    );
    let mut s = vec![0xb4];
    s.extend_from_slice(b"18446744073709551617");
    assert_eq!(n(&s), big("18446744073709551617"));
    assert_eq!(n(&[0xa5, b'1', b'e', b'4', b'0', b'0']), big("1e400"));
    assert_eq!(n(&[0xa3, b'0', b'.', b'1']), float(0.1));
    assert_eq!(n(&[0xa3, b'-', b'4', b'2']), Value::int(-42));

    let f64_bytes = |f: f64| {
        let mut b = vec![0xcb];
        b.extend_from_slice(&f.to_be_bytes());
        b
    };
    let f32_bytes = |f: f32| {
        let mut b = vec![0xca];
        b.extend_from_slice(&f.to_be_bytes());
        b
    };
    assert_eq!(n(&f64_bytes(0.1)), float(0.1));
    assert_eq!(n(&f64_bytes(3.0)), Value::int(3));
    assert_eq!(n(&f64_bytes(-0.0)), Value::int(0));
    assert_eq!(n(&f64_bytes(1e300)), float(1e300));
    assert_eq!(n(&f64_bytes(f64::INFINITY)), float(f64::INFINITY));
    assert_eq!(n(&f64_bytes(f64::NEG_INFINITY)), float(f64::NEG_INFINITY));
    assert_eq!(n(&f32_bytes(1.5)), float(1.5));
    assert_eq!(n(&f32_bytes(2.0)), Value::int(2));

    assert!(msgpack_err(&f64_bytes(f64::NAN), &Type::Number)
        .to_string()
        .contains("NaN"));
    msgpack_err(&f32_bytes(f32::NAN), &Type::Number);
}

#[test]
fn malformed_decimal_strings_are_rejected() {
    for text in [
        "abc", "", "NaN", "Infinity", "1.2.3", "--1", "0x1f", "1e", " 1",
    ] {
        let mut bytes = vec![0xa0 | text.len() as u8];
        bytes.extend_from_slice(text.as_bytes());
        let e = msgpack_err(&bytes, &Type::Number);
        assert_eq!(
            e.to_string(),
            "at the root: expected a number, found a string that is not a decimal number"
        );
    }
}

#[test]
fn json_numbers_keep_exact_text() {
    let n = |text: &str| json::decode(text.as_bytes(), &Type::Number).unwrap();
    assert_eq!(n("12"), Value::int(12));
    assert_eq!(n("3.0"), Value::int(3));
    assert_eq!(n("-9223372036854775808"), Value::int(i64::MIN));
    assert_eq!(n("18446744073709551615"), big("18446744073709551615"));
    assert_eq!(n("1e400"), big("1e400"));
    assert_eq!(n("0.1"), float(0.1));
    assert_eq!(
        n("0.123456789012345678901234567890"),
        big("0.12345678901234567890123456789")
    );
    assert_eq!(
        json::encode(&big("1e400"), &Type::Number).unwrap(),
        b"1e400"
    );
    assert_eq!(json::encode(&float(0.1), &Type::Number).unwrap(), b"0.1");
    assert_eq!(json::encode(&float(1e20), &Type::Number).unwrap(), b"1e20");
    assert_eq!(json::encode(&Value::int(-7), &Type::Number).unwrap(), b"-7");
}

#[test]
fn unencodable_numbers_are_errors() {
    for value in [float(f64::NAN), big("abc"), big("")] {
        assert!(msgpack::encode(&value, &Type::Number).is_err());
        assert!(json::encode(&value, &Type::Number).is_err());
    }
    let e = json::encode(&float(f64::INFINITY), &Type::Number).unwrap_err();
    assert!(e.to_string().contains("infinity"), "{e}");
    // msgpack can carry infinity.
    assert_msgpack_round_trip(&float(f64::INFINITY), &Type::Number);
    // Non-JSON spellings of big numbers are rewritten on output.
    assert_eq!(
        json::encode(&big("+.5e-999"), &Type::Number).unwrap(),
        b"5e-1000"
    );
}

// ---------------------------------------------------------------- malformed msgpack

#[test]
fn every_truncation_is_an_error() {
    let (ty, value) = rich_sample();
    let bytes = msgpack::encode(&value, &ty).unwrap();
    assert!(bytes.len() > 200);
    for len in 0..bytes.len() {
        assert!(
            msgpack::decode(&bytes[..len], &ty).is_err(),
            "prefix of {len} bytes decoded"
        );
    }
    let text = json::encode(&value, &ty).unwrap();
    for len in 0..text.len() {
        assert!(
            json::decode(&text[..len], &ty).is_err(),
            "JSON prefix of {len} bytes decoded"
        );
        assert!(json::decode_lenient(&text[..len], &ty).is_err());
    }
}

#[test]
fn wrong_types_are_errors_with_paths() {
    let e = msgpack_err(&[0xa1, b'x'], &Type::Bool);
    assert_eq!(
        e.to_string(),
        "at the root: expected a bool, found a string"
    );
    assert!(e.path().is_empty());

    let ty = object_type(&[("allowed_origins", Type::list(Type::String))]);
    let mut bytes = vec![0x81, 0xaf];
    bytes.extend_from_slice(b"allowed_origins");
    bytes.extend_from_slice(&[0x93, 0xa1, b'a', 0xa1, b'b', 0x05]);
    let e = msgpack_err(&bytes, &ty);
    assert_eq!(
        e.to_string(),
        "at .allowed_origins[2]: expected a string, found an integer"
    );
    assert_eq!(
        e.path(),
        [
            PathStep::Attribute("allowed_origins".into()),
            PathStep::Index(2)
        ]
    );
    let e = json_err(r#"{"allowed_origins":["a","b",5]}"#, &ty);
    assert_eq!(
        e.to_string(),
        "at .allowed_origins[2]: expected a string, found a number"
    );

    let map_ty = Type::map(Type::Bool);
    let e = msgpack_err(&[0x81, 0xa3, b'k', b'e', b'y', 0x01], &map_ty);
    assert_eq!(
        e.to_string(),
        "at [\"key\"]: expected a bool, found an integer"
    );

    msgpack_err(&[0x91, 0xc3], &Type::Bool);
    msgpack_err(&[0x81, 0xa1, b'a', 0xc3], &Type::list(Type::Bool));
    msgpack_err(&[0x91, 0xc3], &object_type(&[]));
    msgpack_err(&[0x92, 0xc3, 0xc3], &Type::Tuple(vec![Type::Bool]));
    msgpack_err(&[0xc3], &Type::Dynamic);
    msgpack_err(&[0x93, 0xa0, 0xc0, 0xc0], &Type::Dynamic);
    msgpack_err(&[0x92, 0x01, 0xc0], &Type::Dynamic);
    msgpack_err(&[0xc1], &Type::Bool);
    // Map keys must be strings.
    msgpack_err(&[0x81, 0x01, 0xc3], &Type::map(Type::Bool));
    msgpack_err(&[0x81, 0xc4, 0x01, b'a', 0xc3], &Type::map(Type::Bool));
    // Binary is not a string.
    msgpack_err(&[0xc4, 0x01, b'a'], &Type::String);
}

#[test]
fn object_attribute_set_must_match_exactly() {
    let ty = object_type(&[("a", Type::Bool), ("b", Type::Bool)]);
    let missing = [0x81, 0xa1, b'a', 0xc3];
    assert_eq!(
        msgpack_err(&missing, &ty).to_string(),
        "at the root: missing attribute \"b\""
    );
    let extra = [0x83, 0xa1, b'a', 0xc3, 0xa1, b'b', 0xc3, 0xa1, b'c', 0xc3];
    assert_eq!(
        msgpack_err(&extra, &ty).to_string(),
        "at the root: unsupported attribute \"c\""
    );
    let duplicate = [0x82, 0xa1, b'a', 0xc3, 0xa1, b'a', 0xc2];
    assert_eq!(
        msgpack_err(&duplicate, &ty).to_string(),
        "at the root: duplicate attribute \"a\""
    );
    let duplicate_key = [0x82, 0xa1, b'a', 0xc3, 0xa1, b'a', 0xc2];
    assert!(msgpack_err(&duplicate_key, &Type::map(Type::Bool))
        .to_string()
        .contains("duplicate map key"));
    // An empty map is not an object with attributes.
    msgpack_err(&[0x80], &ty);
    // An attribute name that could be data is described, not echoed.
    let sneaky = [0x81, 0xa7, b's', b'e', b'c', b'r', b'e', b't', b'!', 0xc3];
    let e = msgpack_err(&sneaky, &object_type(&[])).to_string();
    assert!(!e.contains("secret"), "{e}");
}

#[test]
fn huge_length_claims_fail_without_allocating() {
    // Array of 4,000,000,000 elements, map of u32::MAX entries, str and bin
    // of u32::MAX bytes, all with no data behind them.
    let array = [0xdd, 0xee, 0x6b, 0x28, 0x00];
    let map = [0xdf, 0xff, 0xff, 0xff, 0xff];
    let string = [0xdb, 0xff, 0xff, 0xff, 0xff, b'a'];
    let bin = [0xc6, 0xff, 0xff, 0xff, 0xff];
    for ty in [
        Type::list(Type::Dynamic),
        Type::set(Type::String),
        Type::Tuple(vec![]),
        Type::Dynamic,
    ] {
        assert!(msgpack::decode(&array, &ty).is_err());
    }
    assert!(msgpack::decode(&map, &Type::map(Type::Bool)).is_err());
    assert!(msgpack::decode(&map, &object_type(&[("a", Type::Bool)])).is_err());
    assert!(msgpack::decode(&string, &Type::String).is_err());
    assert!(msgpack::decode(&bin, &Type::Dynamic).is_err());
    // A claim that the input could just hold is fine.
    let mut exact = vec![0xdc, 0x00, 0x20];
    exact.extend(std::iter::repeat_n(0xc0, 32));
    assert_eq!(
        msgpack::decode(&exact, &Type::list(Type::Bool)).unwrap(),
        Value::List(vec![Value::Null; 32])
    );
}

#[test]
fn deep_nesting_is_rejected_not_a_stack_overflow() {
    // 10,000 dynamic wrappers, each announcing another dynamic.
    let mut chain = Vec::new();
    for _ in 0..10_000 {
        chain.extend_from_slice(&[0x92, 0xa9]);
        chain.extend_from_slice(b"\"dynamic\"");
    }
    chain.push(0xc0);
    let e = msgpack_err(&chain, &Type::Dynamic);
    assert!(e.to_string().contains("nested deeper"), "{e}");

    // A type expression 10,000 lists deep, inside a dynamic value.
    let deep_type = format!(
        "{}\"string\"{}",
        "[\"list\",".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(Type::from_json(deep_type.as_bytes()).is_err());
    let mut bytes = vec![0x92, 0xdb];
    bytes.extend_from_slice(&(deep_type.len() as u32).to_be_bytes());
    bytes.extend_from_slice(deep_type.as_bytes());
    bytes.push(0xc0);
    msgpack_err(&bytes, &Type::Dynamic);

    // Deep enough for our cap but not serde_json's.
    let medium_type = format!("{}\"string\"{}", "[\"list\",".repeat(100), "]".repeat(100));
    let e = Type::from_json(medium_type.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("nested deeper"), "{e}");

    // Nested arrays 10,000 deep, as msgpack and as JSON.
    let mut arrays = vec![0x91; 10_000];
    arrays.push(0xc0);
    let mut nested_ty = Type::Bool;
    for _ in 0..200 {
        nested_ty = Type::list(nested_ty);
    }
    msgpack_err(&arrays, &nested_ty);
    let json_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    json_err(&json_arrays, &nested_ty);
    json_err(&json_arrays, &Type::Dynamic);

    // JSON dynamic chains: 100 levels hit our cap before serde_json's.
    let mut doc = "null".to_owned();
    for _ in 0..100 {
        doc = format!("{{\"type\":\"dynamic\",\"value\":{doc}}}");
    }
    let e = json_err(&doc, &Type::Dynamic);
    assert!(e.to_string().contains("nested deeper"), "{e}");

    // Encoders refuse runaway nesting too.
    let mut value = Value::Null;
    for _ in 0..(MAX_DEPTH + 5) {
        value = Value::Dynamic(Type::Dynamic, Box::new(value));
    }
    assert!(msgpack::encode(&value, &Type::Dynamic).is_err());
    assert!(json::encode(&value, &Type::Dynamic).is_err());
}

#[test]
fn nesting_within_the_cap_is_accepted() {
    let mut ty = Type::Bool;
    let mut value = Value::Bool(true);
    for _ in 0..MAX_DEPTH {
        ty = Type::list(ty);
        value = Value::List(vec![value]);
    }
    assert_msgpack_round_trip(&value, &ty);
    assert_json_round_trip(&value, &ty);
    assert_eq!(Type::from_json(ty.to_json().as_bytes()).unwrap(), ty);
}

#[test]
fn invalid_utf8_is_rejected() {
    let e = msgpack_err(&[0xa2, 0xff, 0xfe], &Type::String);
    assert_eq!(e.to_string(), "at the root: a string is not valid UTF-8");
    msgpack_err(&[0x81, 0xa1, 0xff, 0xc3], &Type::map(Type::Bool));
    msgpack_err(&[0x92, 0xa2, 0xff, 0xfe, 0xc0], &Type::Dynamic);
    msgpack_err(&[0xa2, 0xff, b'1'], &Type::Number);
    assert!(json::decode(b"\"\xff\xfe\"", &Type::String).is_err());
}

#[test]
fn trailing_bytes_are_rejected() {
    let e = msgpack_err(&[0xc3, 0xc3], &Type::Bool);
    assert_eq!(
        e.to_string(),
        "at the root: unexpected data after the value (1 bytes)"
    );
    msgpack_err(&[0xc0, 0x00], &object_type(&[]));
    json_err("true x", &Type::Bool);
    json_err("{} {}", &object_type(&[]));
}

#[test]
fn error_messages_do_not_echo_values() {
    let secret = "sk_live_SECRETVALUE";
    let mut bytes = vec![0xa0 | secret.len() as u8];
    bytes.extend_from_slice(secret.as_bytes());
    for ty in [Type::Number, Type::Bool, Type::list(Type::String)] {
        let e = msgpack_err(&bytes, &ty).to_string();
        assert!(!e.contains("SECRET"), "{e}");
        let e = json_err(&format!("\"{secret}\""), &ty).to_string();
        assert!(!e.contains("SECRET"), "{e}");
    }
    // A map key that could be a secret is elided from the path.
    let ty = Type::map(Type::Number);
    let doc = format!("{{\"{secret} with spaces\":true}}");
    let e = json_err(&doc, &ty).to_string();
    assert!(!e.contains("SECRET"), "{e}");
    assert!(e.starts_with("at [?]:"), "{e}");
    let e = json_err(r#""x""#, &Type::Dynamic).to_string();
    assert!(e.contains("found a string"), "{e}");
    // Unsupported type names are only echoed when they are short keywords.
    let e = Type::from_json(format!("\"{secret}\"").as_bytes()).unwrap_err();
    assert!(!e.to_string().contains("SECRET"), "{e}");
}

// ---------------------------------------------------------------- JSON

#[test]
fn strict_json_rejects_unknown_attributes_and_nulls_missing_ones() {
    let ty = object_type(&[("a", Type::String), ("b", Type::Bool)]);
    assert_eq!(
        json::decode(br#"{"a":"x"}"#, &ty).unwrap(),
        Value::object([("a", Value::string("x")), ("b", Value::Null)])
    );
    let e = json_err(r#"{"a":"x","newer":1}"#, &ty);
    assert_eq!(
        e.to_string(),
        "at the root: unsupported attribute \"newer\""
    );
    json_err("[]", &ty);
    json_err(r#"{"a":1}"#, &ty);
    json_err(r#"["a"]"#, &Type::Tuple(vec![]));
    json_err(r#"{"type":"string"}"#, &Type::Dynamic);
    json_err(r#"{"type":"string","value":"x","other":1}"#, &Type::Dynamic);
    json_err(r#"{"type":"strung","value":"x"}"#, &Type::Dynamic);
    json_err(r#"{"type":"string","value":1}"#, &Type::Dynamic);
}

#[test]
fn lenient_json_drops_and_reports_unknown_attributes() {
    let rule = object_type(&[("name", Type::String), ("port", Type::Number)]);
    let ty = object_type(&[
        ("id", Type::String),
        ("rules", Type::list(rule)),
        ("added_later", Type::Bool),
    ]);
    let doc = br#"{"id":"x","newer_attribute":{"deep":[1]},"rules":[{"name":"a","port":1,"gone":true},{"name":"b"}]}"#;
    let (value, dropped) = json::decode_lenient(doc, &ty).unwrap();
    assert_eq!(dropped, [".newer_attribute", ".rules[0].gone"]);
    assert_eq!(
        value,
        Value::object([
            ("id", Value::string("x")),
            (
                "rules",
                Value::List(vec![
                    Value::object([("name", Value::string("a")), ("port", Value::int(1))]),
                    Value::object([("name", Value::string("b")), ("port", Value::Null)]),
                ])
            ),
            ("added_later", Value::Null),
        ])
    );
    assert!(json::decode(doc, &ty).is_err());

    assert!(json::decode_lenient(b"not json", &ty).is_err());
    assert!(json::decode_lenient(b"", &ty).is_err());
    assert!(json::decode_lenient(b"[1,2]", &ty).is_err());
    let e = json::decode_lenient(br#"{"rules":{"name":"a"}}"#, &ty).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at .rules: expected a list (an array), found an object"
    );
}

#[test]
fn unknown_cannot_be_written_as_json() {
    let ty = object_type(&[("a", Type::list(Type::String))]);
    let value = Value::object([("a", Value::List(vec![Value::Unknown]))]);
    let e = json::encode(&value, &ty).unwrap_err();
    assert_eq!(
        e.to_string(),
        "at .a[0]: an unknown value cannot be represented in JSON"
    );
}

#[test]
fn json_strings_are_escaped() {
    let text = "quote\" backslash\\ nl\n tab\t nul\u{0} bell\u{7} unicode\u{2028}\u{1F600}";
    let bytes = json::encode(&Value::string(text), &Type::String).unwrap();
    let reparsed: String = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reparsed, text);
    assert!(bytes.windows(6).any(|w| w == b"\\u0007"));
}

// ---------------------------------------------------------------- encode errors

#[test]
fn nonconforming_values_are_encode_errors() {
    let ty = object_type(&[("a", Type::String)]);
    for encode in [msgpack::encode, json::encode] {
        let e = encode(&Value::object([("a", Value::Bool(true))]), &ty).unwrap_err();
        assert_eq!(e.to_string(), "at .a: expected a string, found a bool");
        let e = encode(
            &Value::object([("a", Value::Null), ("zzz", Value::Null)]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "at the root: the object type has no attribute \"zzz\""
        );
        let e = encode(&Value::string("x"), &Type::Dynamic).unwrap_err();
        assert!(e.to_string().contains("needs its type"), "{e}");
        assert!(encode(&Value::List(vec![]), &Type::set(Type::String)).is_err());
        assert!(encode(
            &Value::Tuple(vec![Value::Null]),
            &Type::Tuple(vec![Type::Bool, Type::Bool])
        )
        .is_err());
        assert!(encode(
            &Value::Dynamic(Type::String, Box::new(Value::string("x"))),
            &Type::String
        )
        .is_err());
        assert!(encode(
            &Value::Dynamic(Type::String, Box::new(Value::Bool(true))),
            &Type::Dynamic
        )
        .is_err());
        let e = encode(
            &Value::Map(BTreeMap::from([("k".to_owned(), Value::int(1))])),
            &Type::map(Type::Bool),
        )
        .unwrap_err();
        assert_eq!(e.path(), [PathStep::Key("k".into())]);
    }
}

// ---------------------------------------------------------------- type JSON

#[test]
fn type_json_forms() {
    let cases: Vec<(Type, &str)> = vec![
        (Type::String, r#""string""#),
        (Type::Number, r#""number""#),
        (Type::Bool, r#""bool""#),
        (Type::Dynamic, r#""dynamic""#),
        (Type::set(Type::String), r#"["set","string"]"#),
        (Type::list(Type::Number), r#"["list","number"]"#),
        (Type::map(Type::Bool), r#"["map","bool"]"#),
        (
            object_type(&[("b", Type::list(Type::Dynamic)), ("a", Type::Bool)]),
            r#"["object",{"a":"bool","b":["list","dynamic"]}]"#,
        ),
        (
            Type::Tuple(vec![Type::String, Type::set(Type::Number)]),
            r#"["tuple",["string",["set","number"]]]"#,
        ),
        (Type::Tuple(vec![]), r#"["tuple",[]]"#),
        (object_type(&[]), r#"["object",{}]"#),
    ];
    for (ty, text) in cases {
        assert_eq!(ty.to_json(), text);
        assert_eq!(Type::from_json(text.as_bytes()).unwrap(), ty);
    }
    // Optional-attribute lists are accepted and ignored.
    assert_eq!(
        Type::from_json(br#"["object",{"a":"string","b":"bool"},["b"]]"#).unwrap(),
        object_type(&[("a", Type::String), ("b", Type::Bool)])
    );
    // Awkward attribute names survive the round trip.
    let odd = object_type(&[("we\"ird\\name\n", Type::String)]);
    assert_eq!(Type::from_json(odd.to_json().as_bytes()).unwrap(), odd);
}

#[test]
fn invalid_type_json_is_rejected() {
    for text in [
        "",
        "42",
        "null",
        "\"strin\"",
        "\"String\"",
        "[]",
        "[1]",
        "[\"list\"]",
        "[\"list\",\"string\",\"x\"]",
        "[\"set\",\"nope\"]",
        "[\"object\",[]]",
        "[\"object\",{},[1]]",
        "[\"object\",{},\"a\"]",
        "[\"object\",{\"a\":1}]",
        "[\"tuple\",\"string\"]",
        "[\"tuple\",[\"x\"]]",
        "[\"frobnicate\",\"string\"]",
        "{\"list\":\"string\"}",
        "\"string\" x",
    ] {
        let e = Type::from_json(text.as_bytes());
        assert!(e.is_err(), "{text:?} parsed as {e:?}");
        assert!(e
            .unwrap_err()
            .to_string()
            .starts_with("at the root: invalid type expression"));
    }
}

// ---------------------------------------------------------------- Value helpers

#[test]
fn value_helpers() {
    let value = Value::object([
        ("name", Value::string("n")),
        ("on", Value::Bool(true)),
        ("later", Value::Unknown),
        (
            "wrapped",
            Value::Dynamic(Type::String, Box::new(Value::string("w"))),
        ),
        ("list", Value::List(vec![Value::int(1), Value::Unknown])),
    ]);
    assert_eq!(value.get("name").and_then(Value::as_str), Some("n"));
    assert_eq!(value.get("on").and_then(Value::as_bool), Some(true));
    assert_eq!(value.get("wrapped").and_then(Value::as_str), Some("w"));
    assert!(value.get("missing").is_none());
    assert!(value.get("later").unwrap().is_unknown());
    assert!(!value.get("later").unwrap().is_known());
    assert!(value.is_known());
    assert!(!value.is_wholly_known());
    assert!(!value.get("list").unwrap().is_wholly_known());
    assert!(value.get("name").unwrap().is_wholly_known());
    assert_eq!(
        value
            .get("list")
            .and_then(Value::as_elements)
            .map(<[_]>::len),
        Some(2)
    );
    assert_eq!(
        value.get("list").unwrap().as_elements().unwrap()[0].as_i64(),
        Some(1)
    );
    assert!(Value::Null.is_null() && Value::Null.is_known() && Value::Null.is_wholly_known());
    assert!(Value::Dynamic(Type::Bool, Box::new(Value::Null)).is_null());
    assert!(Value::Dynamic(Type::Bool, Box::new(Value::Unknown)).is_unknown());
    assert!(!Value::Dynamic(Type::Bool, Box::new(Value::Unknown)).is_wholly_known());
    assert_eq!(Value::string("x").get("x"), None);
    assert_eq!(Value::from("s"), Value::string("s"));
    assert_eq!(Value::from(5i64), Value::int(5));
    assert_eq!(value.as_entries().map(BTreeMap::len), Some(5));
}

// ---------------------------------------------------------------- mutation

/// Small deterministic PRNG (xorshift64*), enough to drive mutations.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes likely to matter to a msgpack parser: headers with large lengths,
/// extension markers, the reserved byte, container markers.
const INTERESTING: &[u8] = &[
    0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc4, 0xc6, 0xc7, 0xc9, 0xca, 0xcb,
    0xcf, 0xd3, 0xd4, 0xd8, 0xd9, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, b'[', b'{', b'"', b'\\',
    b'9',
];

fn mutate(rng: &mut XorShift, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=rng.below(3) {
        let pos = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if pos < bytes.len() => bytes[pos] ^= 1 << rng.below(8),
            1 => bytes.insert(pos, rng.next() as u8),
            2 if pos < bytes.len() => {
                bytes.remove(pos);
            }
            3 if pos < bytes.len() => bytes[pos] = INTERESTING[rng.below(INTERESTING.len())],
            4 => bytes.truncate(pos),
            _ => {
                // Duplicate a slice: tends to create plausible but wrong lengths.
                let end = (pos + rng.below(8)).min(bytes.len());
                let slice = bytes[pos.min(end)..end].to_vec();
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, slice);
            }
        }
    }
    bytes
}

#[test]
fn mutated_input_never_panics_and_decoded_values_re_encode() {
    let (rich_ty, rich_value) = rich_sample();
    let dyn_value = Value::Dynamic(rich_ty.clone(), Box::new(rich_value.clone()));
    let samples = vec![
        (rich_ty.clone(), rich_value.clone()),
        (Type::Dynamic, dyn_value),
        (
            Type::map(Type::Tuple(vec![Type::Number, Type::Dynamic])),
            Value::Map(BTreeMap::from([(
                "k".to_owned(),
                Value::Tuple(vec![
                    big("1e400"),
                    Value::Dynamic(
                        Type::set(Type::Number),
                        Box::new(Value::Set(vec![float(0.5)])),
                    ),
                ]),
            )])),
        ),
    ];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for (ty, value) in &samples {
        let packed = msgpack::encode(value, ty).unwrap();
        let text = json::encode(value, ty).unwrap();
        for _ in 0..4_000 {
            let mutated = mutate(&mut rng, &packed);
            for decode_ty in [ty, &Type::Dynamic] {
                if let Ok(decoded) = msgpack::decode(&mutated, decode_ty) {
                    accepted += 1;
                    // Whatever decodes conforms to its type, so it re-encodes
                    // and decodes back to the same value.
                    let again = msgpack::encode(&decoded, decode_ty).unwrap();
                    assert_eq!(msgpack::decode(&again, decode_ty).unwrap(), decoded);
                }
            }
            let mutated = mutate(&mut rng, &text);
            if let Ok((decoded, _)) = json::decode_lenient(&mutated, ty) {
                accepted += 1;
                let again = json::encode(&decoded, ty).unwrap();
                assert_eq!(json::decode(&again, ty).unwrap(), decoded);
            }
            let _ = json::decode(&mutated, &Type::Dynamic);
            let _ = Type::from_json(&mutated);
        }
    }
    // The mutations are mild enough that some inputs still decode, which
    // keeps the re-encode check meaningful.
    assert!(accepted > 100, "only {accepted} mutated inputs decoded");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(42);
    let types = [
        Type::Dynamic,
        Type::list(Type::Dynamic),
        object_type(&[("a", Type::Dynamic), ("b", Type::map(Type::Number))]),
    ];
    for _ in 0..5_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(3) == 0 {
                    INTERESTING[rng.below(INTERESTING.len())]
                } else {
                    rng.next() as u8
                }
            })
            .collect();
        for ty in &types {
            let _ = msgpack::decode(&bytes, ty);
            let _ = json::decode(&bytes, ty);
        }
    }
}
