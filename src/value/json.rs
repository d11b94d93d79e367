//! cty's JSON encoding of values: used for stored state (`RawState.json`)
//! and as the alternative `DynamicValue.json` form. JSON cannot express
//! unknown values, so encoding one is an error.

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::error::{quote_name, render_path, DecodeError, EncodeError, PathStep, MAX_DEPTH};
use super::number::Number;
use super::types::{describe_json_error, type_from_json_value, Type, Value};

/// Decodes JSON as a value of type `ty`. Object attributes not in the type
/// are an error; attributes absent from the JSON become null.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with(bytes, ty, false).map(|(value, _)| value)
}

/// Like [`decode`], but object attributes not in the type are dropped (as
/// needed when reading state written by another schema version). Returns
/// the paths of the dropped attributes, e.g. `.rules[0].newer_attribute`.
pub fn decode_lenient(bytes: &[u8], ty: &Type) -> Result<(Value, Vec<String>), DecodeError> {
    decode_with(bytes, ty, true)
}

/// Encodes `value` as JSON according to `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: String::new(),
        path: Vec::new(),
    };
    encoder.value(value, ty, 0)?;
    Ok(encoder.out.into_bytes())
}

fn decode_with(
    bytes: &[u8],
    ty: &Type,
    lenient: bool,
) -> Result<(Value, Vec<String>), DecodeError> {
    // serde_json caps its own recursion (128 levels), so parsing first is safe.
    let document: J = serde_json::from_slice(bytes).map_err(|e| {
        DecodeError::new(
            Vec::new(),
            format!("invalid JSON: {}", describe_json_error(&e)),
        )
    })?;
    let mut decoder = Decoder {
        lenient,
        path: Vec::new(),
        dropped: Vec::new(),
    };
    let value = decoder.value(&document, ty, 0)?;
    Ok((value, decoder.dropped))
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_kind_name(document: &J) -> &'static str {
    match document {
        J::Null => "null",
        J::Bool(_) => "a bool",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

struct Decoder {
    lenient: bool,
    path: Vec<PathStep>,
    dropped: Vec<String>,
}

impl Decoder {
    fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), message)
    }

    fn mismatch(&self, expected: &str, found: &J) -> DecodeError {
        self.error(format!(
            "expected {expected}, found {}",
            json_kind_name(found)
        ))
    }

    fn value(&mut self, document: &J, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        if document.is_null() {
            return Ok(Value::Null);
        }
        match ty {
            Type::Bool => match document {
                J::Bool(b) => Ok(Value::Bool(*b)),
                other => Err(self.mismatch("a bool", other)),
            },
            Type::Number => match document {
                // With arbitrary_precision the text is exactly as written.
                J::Number(n) => Number::parse(n.as_str())
                    .map(Value::Number)
                    .ok_or_else(|| self.error("a number is not a valid decimal")),
                other => Err(self.mismatch("a number", other)),
            },
            Type::String => match document {
                J::String(s) => Ok(Value::String(s.clone())),
                other => Err(self.mismatch("a string", other)),
            },
            Type::List(element) => {
                let items = self.array(document, "a list (an array)")?;
                self.elements(items, |_| element, depth).map(Value::List)
            }
            Type::Set(element) => {
                let items = self.array(document, "a set (an array)")?;
                self.elements(items, |_| element, depth).map(Value::Set)
            }
            Type::Tuple(elements) => {
                let items = self.array(document, "a tuple (an array)")?;
                if items.len() != elements.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required ({} given)",
                        elements.len(),
                        items.len()
                    )));
                }
                // The index is always in range: the lengths were just compared.
                self.elements(items, |i| elements.get(i).unwrap_or(&Type::Dynamic), depth)
                    .map(Value::Tuple)
            }
            Type::Map(element) => {
                let J::Object(entries) = document else {
                    return Err(self.mismatch("a map (an object)", document));
                };
                let mut converted = BTreeMap::new();
                for (key, item) in entries {
                    self.path.push(PathStep::Key(key.clone()));
                    let value = self.value(item, element, depth + 1)?;
                    self.path.pop();
                    converted.insert(key.clone(), value);
                }
                Ok(Value::Map(converted))
            }
            Type::Object(attr_types) => {
                let J::Object(entries) = document else {
                    return Err(self.mismatch("an object", document));
                };
                for name in entries.keys() {
                    if attr_types.contains_key(name) {
                        continue;
                    }
                    if !self.lenient {
                        return Err(
                            self.error(format!("unsupported attribute {}", quote_name(name)))
                        );
                    }
                    self.path.push(PathStep::Attribute(name.clone()));
                    self.dropped.push(render_path(&self.path));
                    self.path.pop();
                }
                let mut attrs = BTreeMap::new();
                for (name, attr_type) in attr_types {
                    let value = match entries.get(name) {
                        Some(item) => {
                            self.path.push(PathStep::Attribute(name.clone()));
                            let value = self.value(item, attr_type, depth + 1)?;
                            self.path.pop();
                            value
                        }
                        None => Value::Null,
                    };
                    attrs.insert(name.clone(), value);
                }
                Ok(Value::Object(attrs))
            }
            Type::Dynamic => {
                let expected = "an object with \"type\" and \"value\" for a dynamic value";
                let J::Object(entries) = document else {
                    return Err(self.mismatch(expected, document));
                };
                let (Some(type_json), Some(item), 2) =
                    (entries.get("type"), entries.get("value"), entries.len())
                else {
                    return Err(self.error(format!(
                        "expected {expected}, found an object with other keys"
                    )));
                };
                let concrete =
                    type_from_json_value(type_json, 0).map_err(|message| self.error(message))?;
                let inner = self.value(item, &concrete, depth + 1)?;
                Ok(Value::Dynamic(concrete, Box::new(inner)))
            }
        }
    }

    fn array<'d>(&self, document: &'d J, expected: &str) -> Result<&'d [J], DecodeError> {
        match document {
            J::Array(items) => Ok(items),
            other => Err(self.mismatch(expected, other)),
        }
    }

    fn elements<'t>(
        &mut self,
        items: &[J],
        element_type: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut converted = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(i as u64));
            converted.push(self.value(item, element_type(i), depth + 1)?);
            self.path.pop();
        }
        Ok(converted)
    }
}

struct Encoder {
    out: String,
    path: Vec<PathStep>,
}

impl Encoder {
    fn error(&self, message: impl Into<String>) -> EncodeError {
        EncodeError::new(self.path.clone(), message)
    }

    fn value(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match (value, ty) {
            (Value::Null, _) => self.out.push_str("null"),
            (Value::Unknown, _) => {
                return Err(self.error("an unknown value cannot be represented in JSON"))
            }
            (Value::Bool(b), Type::Bool) => self.out.push_str(if *b { "true" } else { "false" }),
            (Value::Number(n), Type::Number) => self.number(n)?,
            (Value::String(s), Type::String) => write_json_string(&mut self.out, s),
            (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.path.push(PathStep::Index(i as u64));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
                self.out.push(']');
            }
            (Value::Tuple(items), Type::Tuple(elements)) => {
                if items.len() != elements.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required ({} given)",
                        elements.len(),
                        items.len()
                    )));
                }
                self.out.push('[');
                for (i, (item, element)) in items.iter().zip(elements).enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.path.push(PathStep::Index(i as u64));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
                self.out.push(']');
            }
            (Value::Map(entries), Type::Map(element)) => {
                self.out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    write_json_string(&mut self.out, key);
                    self.out.push(':');
                    self.path.push(PathStep::Key(key.clone()));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
                self.out.push('}');
            }
            (Value::Object(attrs), Type::Object(attr_types)) => {
                if let Some(extra) = attrs.keys().find(|name| !attr_types.contains_key(*name)) {
                    return Err(self.error(format!(
                        "the object type has no attribute {}",
                        quote_name(extra)
                    )));
                }
                self.out.push('{');
                for (i, (name, attr_type)) in attr_types.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    write_json_string(&mut self.out, name);
                    self.out.push(':');
                    self.path.push(PathStep::Attribute(name.clone()));
                    self.value(
                        attrs.get(name).unwrap_or(&Value::Null),
                        attr_type,
                        depth + 1,
                    )?;
                    self.path.pop();
                }
                self.out.push('}');
            }
            (Value::Dynamic(concrete, inner), Type::Dynamic) => {
                self.out.push_str("{\"type\":");
                self.out.push_str(&concrete.to_json());
                self.out.push_str(",\"value\":");
                self.value(inner, concrete, depth + 1)?;
                self.out.push('}');
            }
            (_, Type::Dynamic) => {
                return Err(self.error(format!(
                    "{} at a dynamic position needs its type (use Value::Dynamic)",
                    value.kind_name()
                )))
            }
            _ => {
                return Err(self.error(format!(
                    "expected {}, found {}",
                    ty.kind_name(),
                    value.kind_name()
                )))
            }
        }
        Ok(())
    }

    fn number(&mut self, number: &Number) -> Result<(), EncodeError> {
        match number {
            Number::Int(i) => self.out.push_str(&i.to_string()),
            Number::Float(f) if f.is_nan() => return Err(self.error("NaN is not a number")),
            Number::Float(f) if f.is_infinite() => {
                return Err(self.error("infinity cannot be represented in JSON"))
            }
            // Debug prints the shortest round-trip text, always valid JSON
            // for finite values (e.g. `0.1`, `3.0`, `1e20`, `1e-7`).
            Number::Float(f) => self.out.push_str(&format!("{f:?}")),
            Number::Big(text) => match Number::big_wire_text(text) {
                Some(text) => self.out.push_str(&text),
                None => return Err(self.error("a big number holds text that is not a decimal")),
            },
        }
        Ok(())
    }
}
