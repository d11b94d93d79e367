//! The cty type system and value model shared by the msgpack and JSON codecs,
//! plus the JSON form of type expressions used in schemas and on the wire.

use std::collections::BTreeMap;

use super::error::{DecodeError, MAX_DEPTH};
use super::json::write_json_string;
use super::number::Number;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Any type, chosen by the value itself; see [`Value::Dynamic`].
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type from `(attribute name, type)` pairs.
    pub fn object<I, K>(attributes: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(
            attributes
                .into_iter()
                .map(|(name, ty)| (name.into(), ty))
                .collect(),
        )
    }

    /// The cty JSON type expression, e.g. `["set","string"]`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::Bool => out.push_str("\"bool\""),
            Type::Number => out.push_str("\"number\""),
            Type::String => out.push_str("\"string\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(element) => write_collection_json(out, "list", element),
            Type::Set(element) => write_collection_json(out, "set", element),
            Type::Map(element) => write_collection_json(out, "map", element),
            Type::Object(attributes) => {
                out.push_str("[\"object\",{");
                for (i, (name, ty)) in attributes.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, name);
                    out.push(':');
                    ty.write_json(out);
                }
                out.push_str("}]");
            }
            Type::Tuple(elements) => {
                out.push_str("[\"tuple\",[");
                for (i, ty) in elements.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    ty.write_json(out);
                }
                out.push_str("]]");
            }
        }
    }

    /// Parses a cty JSON type expression. Nesting deeper than
    /// [`MAX_DEPTH`](super::MAX_DEPTH) is rejected.
    pub fn from_json(bytes: &[u8]) -> Result<Type, DecodeError> {
        let document: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            DecodeError::new(
                Vec::new(),
                format!("invalid type expression: {}", describe_json_error(&e)),
            )
        })?;
        type_from_json_value(&document, 0).map_err(|message| DecodeError::new(Vec::new(), message))
    }

    /// Short description for error messages, e.g. "a list".
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Type::Bool => "a bool",
            Type::Number => "a number",
            Type::String => "a string",
            Type::Dynamic => "a dynamic value",
            Type::List(_) => "a list",
            Type::Set(_) => "a set",
            Type::Map(_) => "a map",
            Type::Object(_) => "an object",
            Type::Tuple(_) => "a tuple",
        }
    }
}

fn write_collection_json(out: &mut String, kind: &str, element: &Type) {
    out.push_str("[\"");
    out.push_str(kind);
    out.push_str("\",");
    element.write_json(out);
    out.push(']');
}

/// Describes a serde_json parse failure without quoting the input.
pub(crate) fn describe_json_error(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        // serde_json's syntax messages are fixed phrases plus a position.
        Category::Syntax | Category::Eof => error.to_string(),
        Category::Data | Category::Io => format!(
            "unreadable JSON at line {} column {}",
            error.line(),
            error.column()
        ),
    }
}

/// Converts a parsed type expression; errors are plain messages (the caller
/// knows where in a value the expression came from).
pub(crate) fn type_from_json_value(
    document: &serde_json::Value,
    depth: usize,
) -> Result<Type, String> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err(format!(
            "invalid type expression: nested deeper than {MAX_DEPTH} levels"
        ));
    }
    match document {
        J::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(format!(
                "invalid type expression: unsupported primitive type {}",
                quote_keyword(other)
            )),
        },
        J::Array(parts) => {
            let kind = match parts.first() {
                Some(J::String(kind)) => kind.as_str(),
                _ => {
                    return Err(
                        "invalid type expression: an array must start with a type kind string"
                            .to_owned(),
                    )
                }
            };
            let argument = parts.get(1);
            match (kind, parts.len(), argument) {
                ("list", 2, Some(element)) => {
                    Ok(Type::list(type_from_json_value(element, depth + 1)?))
                }
                ("set", 2, Some(element)) => {
                    Ok(Type::set(type_from_json_value(element, depth + 1)?))
                }
                ("map", 2, Some(element)) => {
                    Ok(Type::map(type_from_json_value(element, depth + 1)?))
                }
                // The optional third element lists optional attributes; that
                // only matters for type conversion, which the wire never needs.
                ("object", 2 | 3, Some(J::Object(attributes))) => {
                    if let Some(optional) = parts.get(2) {
                        let names_ok =
                            matches!(optional, J::Array(names) if names.iter().all(J::is_string));
                        if !names_ok {
                            return Err("invalid type expression: the optional attributes of an object type must be an array of names".to_owned());
                        }
                    }
                    let mut converted = BTreeMap::new();
                    for (name, ty) in attributes {
                        converted.insert(name.clone(), type_from_json_value(ty, depth + 1)?);
                    }
                    Ok(Type::Object(converted))
                }
                ("tuple", 2, Some(J::Array(elements))) => {
                    let mut converted = Vec::with_capacity(elements.len());
                    for ty in elements {
                        converted.push(type_from_json_value(ty, depth + 1)?);
                    }
                    Ok(Type::Tuple(converted))
                }
                ("list" | "set" | "map" | "object" | "tuple", _, _) => Err(format!(
                    "invalid type expression: malformed {} type",
                    quote_keyword(kind)
                )),
                _ => Err(format!(
                    "invalid type expression: unsupported type kind {}",
                    quote_keyword(kind)
                )),
            }
        }
        _ => Err("invalid type expression: expected a string or an array".to_owned()),
    }
}

/// Echoes a type keyword only if it is short and purely lowercase letters,
/// which cannot carry anything sensitive.
fn quote_keyword(word: &str) -> String {
    if !word.is_empty() && word.len() <= 16 && word.bytes().all(|b| b.is_ascii_lowercase()) {
        format!("\"{word}\"")
    } else {
        "(unrecognised)".to_owned()
    }
}

/// A cty value. Which variant is valid depends on the [`Type`] it is encoded
/// or was decoded with; `Null` and `Unknown` are valid for every type.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not yet known (during plan); msgpack only, JSON cannot hold it.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Set elements; order carries no meaning.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Attributes; on encode, ones missing from the map are written as null.
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value at a `dynamic` position, with the concrete type it has.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// The value with any `Dynamic` wrappers removed; the inspection helpers
    /// below look through them so callers need not care.
    pub fn without_dynamic(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        value
    }

    pub fn is_null(&self) -> bool {
        matches!(self.without_dynamic(), Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.without_dynamic(), Value::Unknown)
    }

    /// Not unknown at the top level (nested values may still be unknown).
    pub fn is_known(&self) -> bool {
        !self.is_unknown()
    }

    /// No unknown anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        // An explicit stack: values built in code have no depth limit.
        let mut pending = vec![self];
        while let Some(value) = pending.pop() {
            match value {
                Value::Unknown => return false,
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
                Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                    pending.extend(items.iter())
                }
                Value::Map(entries) | Value::Object(entries) => pending.extend(entries.values()),
                Value::Dynamic(_, inner) => pending.push(inner),
            }
        }
        true
    }

    /// An object attribute (`None` if this is not an object or has no such
    /// attribute).
    pub fn get(&self, attr: &str) -> Option<&Value> {
        match self.without_dynamic() {
            Value::Object(attributes) => attributes.get(attr),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.without_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.without_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.without_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A number that is an integer in `i64` range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self.without_dynamic() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Entries of a map or attributes of an object.
    pub fn as_entries(&self) -> Option<&BTreeMap<String, Value>> {
        match self.without_dynamic() {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// An object value from `(attribute name, value)` pairs.
    pub fn object<I, K>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(
            attrs
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// Short description for error messages, e.g. "a list".
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(..) => "a dynamic value",
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}
