//! cty's msgpack encoding of values, the form Terraform uses in
//! `DynamicValue.msgpack`.
//!
//! Both directions are hand-written: cty uses a small subset of msgpack, and
//! owning the decoder means every length prefix is checked against the bytes
//! actually remaining before anything is allocated, and nesting is capped at
//! [`MAX_DEPTH`].

use std::collections::BTreeMap;

use super::error::{quote_name, DecodeError, EncodeError, PathStep, MAX_DEPTH};
use super::number::Number;
use super::types::{Type, Value};

/// The encoding cty uses for an unknown value (fixext1, type 0, payload 0).
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Encodes `value` as msgpack according to `ty`.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut encoder = Encoder {
        out: Vec::new(),
        path: Vec::new(),
    };
    encoder.value(value, ty, 0)?;
    Ok(encoder.out)
}

/// Decodes msgpack bytes as a value of type `ty`. The whole input must be
/// exactly one value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut decoder = Decoder {
        input: bytes,
        pos: 0,
        path: Vec::new(),
    };
    let value = decoder.value(ty, 0)?;
    let trailing = decoder.remaining();
    if trailing > 0 {
        return Err(DecodeError::new(
            Vec::new(),
            format!("unexpected data after the value ({trailing} bytes)"),
        ));
    }
    Ok(value)
}

struct Encoder {
    out: Vec<u8>,
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
            (Value::Null, _) => self.out.push(0xc0),
            (Value::Unknown, _) => self.out.extend_from_slice(&UNKNOWN),
            (Value::Bool(b), Type::Bool) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            (Value::Number(n), Type::Number) => self.number(n)?,
            (Value::String(s), Type::String) => self.str(s.as_bytes())?,
            (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
                self.array_header(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathStep::Index(i as u64));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
            }
            (Value::Tuple(items), Type::Tuple(elements)) => {
                if items.len() != elements.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required ({} given)",
                        elements.len(),
                        items.len()
                    )));
                }
                self.array_header(items.len())?;
                for (i, (item, element)) in items.iter().zip(elements).enumerate() {
                    self.path.push(PathStep::Index(i as u64));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
            }
            (Value::Map(entries), Type::Map(element)) => {
                self.map_header(entries.len())?;
                for (key, item) in entries {
                    self.str(key.as_bytes())?;
                    self.path.push(PathStep::Key(key.clone()));
                    self.value(item, element, depth + 1)?;
                    self.path.pop();
                }
            }
            (Value::Object(attrs), Type::Object(attr_types)) => {
                if let Some(extra) = attrs.keys().find(|name| !attr_types.contains_key(*name)) {
                    return Err(self.error(format!(
                        "the object type has no attribute {}",
                        quote_name(extra)
                    )));
                }
                // cty requires every attribute, so absent ones are sent as null.
                self.map_header(attr_types.len())?;
                for (name, attr_type) in attr_types {
                    self.str(name.as_bytes())?;
                    self.path.push(PathStep::Attribute(name.clone()));
                    self.value(
                        attrs.get(name).unwrap_or(&Value::Null),
                        attr_type,
                        depth + 1,
                    )?;
                    self.path.pop();
                }
            }
            (Value::Dynamic(concrete, inner), Type::Dynamic) => {
                self.out.push(0x92);
                // cty writes the type expression as binary; it reads either.
                self.bin(concrete.to_json().as_bytes())?;
                self.value(inner, concrete, depth + 1)?;
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
            Number::Int(i) => self.int(*i),
            Number::Float(f) if f.is_nan() => return Err(self.error("NaN is not a number")),
            Number::Float(f) => {
                self.out.push(0xcb);
                self.out.extend_from_slice(&f.to_be_bytes());
            }
            Number::Big(text) => match Number::big_wire_text(text) {
                Some(text) => self.str(text.as_bytes())?,
                None => return Err(self.error("a big number holds text that is not a decimal")),
            },
        }
        Ok(())
    }

    /// Smallest msgpack integer encoding.
    fn int(&mut self, i: i64) {
        if (0..=0x7f).contains(&i) || (-32..0).contains(&i) {
            // Positive and negative fixints are the low byte itself.
            self.out.push(i as u8);
        } else if let Ok(small) = i8::try_from(i) {
            self.out.push(0xd0);
            self.out.extend_from_slice(&small.to_be_bytes());
        } else if let Ok(small) = i16::try_from(i) {
            self.out.push(0xd1);
            self.out.extend_from_slice(&small.to_be_bytes());
        } else if let Ok(small) = i32::try_from(i) {
            self.out.push(0xd2);
            self.out.extend_from_slice(&small.to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&i.to_be_bytes());
        }
    }

    fn str(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let len = self.len32(bytes.len())?;
        if len < 32 {
            self.out.push(0xa0 | len as u8);
        } else {
            self.sized_header(len, Some(0xd9), 0xda, 0xdb);
        }
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    fn bin(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let len = self.len32(bytes.len())?;
        self.sized_header(len, Some(0xc4), 0xc5, 0xc6);
        self.out.extend_from_slice(bytes);
        Ok(())
    }

    fn array_header(&mut self, len: usize) -> Result<(), EncodeError> {
        let len = self.len32(len)?;
        if len < 16 {
            self.out.push(0x90 | len as u8);
        } else {
            self.sized_header(len, None, 0xdc, 0xdd);
        }
        Ok(())
    }

    fn map_header(&mut self, len: usize) -> Result<(), EncodeError> {
        let len = self.len32(len)?;
        if len < 16 {
            self.out.push(0x80 | len as u8);
        } else {
            self.sized_header(len, None, 0xde, 0xdf);
        }
        Ok(())
    }

    /// Writes a marker and big-endian length in the smallest form available
    /// (arrays and maps have no 8-bit form).
    fn sized_header(&mut self, len: u32, marker8: Option<u8>, marker16: u8, marker32: u8) {
        match (marker8, u8::try_from(len), u16::try_from(len)) {
            (Some(marker), Ok(short), _) => {
                self.out.push(marker);
                self.out.push(short);
            }
            (_, _, Ok(medium)) => {
                self.out.push(marker16);
                self.out.extend_from_slice(&medium.to_be_bytes());
            }
            _ => {
                self.out.push(marker32);
                self.out.extend_from_slice(&len.to_be_bytes());
            }
        }
    }

    fn len32(&self, len: usize) -> Result<u32, EncodeError> {
        u32::try_from(len).map_err(|_| self.error("too long for msgpack (over 4 GiB elements)"))
    }
}

/// One msgpack item header, with string/binary payloads already sliced out
/// and extension payloads skipped.
enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext,
    Reserved,
}

impl Item<'_> {
    fn kind_name(&self) -> &'static str {
        match self {
            Item::Nil => "nil",
            Item::Bool(_) => "a bool",
            Item::Int(_) | Item::Uint(_) => "an integer",
            Item::Float(_) => "a float",
            Item::Str(_) => "a string",
            Item::Bin(_) => "binary data",
            Item::Array(_) => "an array",
            Item::Map(_) => "a map",
            Item::Ext => "an extension",
            Item::Reserved => "the reserved byte 0xc1",
        }
    }
}

struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
    path: Vec<PathStep>,
}

impl<'a> Decoder<'a> {
    fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), message)
    }

    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.input.len())
            .ok_or_else(|| self.error("unexpected end of input"))?;
        let bytes = self.input.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let [byte] = self.fixed::<1>()?;
        Ok(byte)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.error("unexpected end of input"))
    }

    fn be_len<const N: usize>(&mut self) -> Result<usize, DecodeError> {
        let bytes: [u8; N] = self.fixed()?;
        let len = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        usize::try_from(len).map_err(|_| self.error("length does not fit in memory"))
    }

    /// Reads one item header. Containers return their claimed element count,
    /// already checked against the bytes left so callers may allocate for it.
    fn item(&mut self) -> Result<Item<'a>, DecodeError> {
        let marker = self.byte()?;
        let item = match marker {
            0x00..=0x7f => Item::Int(i64::from(marker)),
            0x80..=0x8f => Item::Map(usize::from(marker & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Item::Str(self.take(usize::from(marker & 0x1f))?),
            0xc0 => Item::Nil,
            0xc1 => Item::Reserved,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4 => {
                let len = self.be_len::<1>()?;
                Item::Bin(self.take(len)?)
            }
            0xc5 => {
                let len = self.be_len::<2>()?;
                Item::Bin(self.take(len)?)
            }
            0xc6 => {
                let len = self.be_len::<4>()?;
                Item::Bin(self.take(len)?)
            }
            0xc7..=0xc9 => {
                let len = match marker {
                    0xc7 => self.be_len::<1>()?,
                    0xc8 => self.be_len::<2>()?,
                    _ => self.be_len::<4>()?,
                };
                // Type code, then payload. Every extension means "unknown"
                // (refined unknowns carry details we do not need).
                self.take(1)?;
                self.take(len)?;
                Item::Ext
            }
            0xca => Item::Float(f64::from(f32::from_be_bytes(self.fixed()?))),
            0xcb => Item::Float(f64::from_be_bytes(self.fixed()?)),
            0xcc => Item::Uint(u64::from(self.byte()?)),
            0xcd => Item::Uint(u64::from(u16::from_be_bytes(self.fixed()?))),
            0xce => Item::Uint(u64::from(u32::from_be_bytes(self.fixed()?))),
            0xcf => Item::Uint(u64::from_be_bytes(self.fixed()?)),
            0xd0 => Item::Int(i64::from(i8::from_be_bytes(self.fixed()?))),
            0xd1 => Item::Int(i64::from(i16::from_be_bytes(self.fixed()?))),
            0xd2 => Item::Int(i64::from(i32::from_be_bytes(self.fixed()?))),
            0xd3 => Item::Int(i64::from_be_bytes(self.fixed()?)),
            0xd4..=0xd8 => {
                // fixext 1/2/4/8/16: type code then a fixed-size payload.
                let len = 1usize << (marker - 0xd4);
                self.take(1)?;
                self.take(len)?;
                Item::Ext
            }
            0xd9 => {
                let len = self.be_len::<1>()?;
                Item::Str(self.take(len)?)
            }
            0xda => {
                let len = self.be_len::<2>()?;
                Item::Str(self.take(len)?)
            }
            0xdb => {
                let len = self.be_len::<4>()?;
                Item::Str(self.take(len)?)
            }
            0xdc => Item::Array(self.be_len::<2>()?),
            0xdd => Item::Array(self.be_len::<4>()?),
            0xde => Item::Map(self.be_len::<2>()?),
            0xdf => Item::Map(self.be_len::<4>()?),
            0xe0..=0xff => Item::Int(i64::from(marker as i8)),
        };
        // Each array element takes at least one byte and each map entry two,
        // so a count beyond that is a lie we can reject before allocating.
        let claimed_bytes = match item {
            Item::Array(n) => Some(n),
            Item::Map(n) => Some(n.saturating_mul(2)),
            _ => None,
        };
        if claimed_bytes.is_some_and(|needed| needed > self.remaining()) {
            return Err(self.error(format!(
                "{} claims more elements than the input holds",
                item.kind_name()
            )));
        }
        Ok(item)
    }

    fn mismatch(&self, expected: &str, found: &Item<'_>) -> DecodeError {
        self.error(format!("expected {expected}, found {}", found.kind_name()))
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let item = self.item()?;
        match item {
            Item::Nil => return Ok(Value::Null),
            Item::Ext => return Ok(Value::Unknown),
            _ => {}
        }
        match ty {
            Type::Bool => match item {
                Item::Bool(b) => Ok(Value::Bool(b)),
                other => Err(self.mismatch("a bool", &other)),
            },
            Type::Number => self.number(item).map(Value::Number),
            Type::String => match item {
                Item::Str(bytes) => self.utf8(bytes).map(|s| Value::String(s.to_owned())),
                other => Err(self.mismatch("a string", &other)),
            },
            Type::List(element) => {
                let len = self.array_len(item, "a list")?;
                self.elements(len, |_| element, depth).map(Value::List)
            }
            Type::Set(element) => {
                let len = self.array_len(item, "a set")?;
                self.elements(len, |_| element, depth).map(Value::Set)
            }
            Type::Tuple(elements) => {
                let len = self.array_len(item, "a tuple")?;
                if len != elements.len() {
                    return Err(self.error(format!(
                        "a tuple of {} elements is required ({len} given)",
                        elements.len()
                    )));
                }
                // The index is always in range: the lengths were just compared.
                self.elements(len, |i| elements.get(i).unwrap_or(&Type::Dynamic), depth)
                    .map(Value::Tuple)
            }
            Type::Map(element) => {
                let len = match item {
                    Item::Map(len) => len,
                    other => return Err(self.mismatch("a map", &other)),
                };
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key()?;
                    if entries.contains_key(&key) {
                        return Err(self.error(format!("duplicate map key {}", quote_name(&key))));
                    }
                    self.path.push(PathStep::Key(key));
                    let value = self.value(element, depth + 1)?;
                    if let Some(PathStep::Key(key)) = self.path.pop() {
                        entries.insert(key, value);
                    }
                }
                Ok(Value::Map(entries))
            }
            Type::Object(attr_types) => {
                let len = match item {
                    Item::Map(len) => len,
                    other => return Err(self.mismatch("an object (a map)", &other)),
                };
                let mut attrs = BTreeMap::new();
                for _ in 0..len {
                    let name = self.key()?;
                    let Some(attr_type) = attr_types.get(&name) else {
                        return Err(
                            self.error(format!("unsupported attribute {}", quote_name(&name)))
                        );
                    };
                    if attrs.contains_key(&name) {
                        return Err(
                            self.error(format!("duplicate attribute {}", quote_name(&name)))
                        );
                    }
                    self.path.push(PathStep::Attribute(name));
                    let value = self.value(attr_type, depth + 1)?;
                    if let Some(PathStep::Attribute(name)) = self.path.pop() {
                        attrs.insert(name, value);
                    }
                }
                // cty sends every attribute; a missing one means a type mismatch.
                if let Some(missing) = attr_types.keys().find(|name| !attrs.contains_key(*name)) {
                    return Err(self.error(format!("missing attribute {}", quote_name(missing))));
                }
                Ok(Value::Object(attrs))
            }
            Type::Dynamic => {
                let expected = "a [type, value] array for a dynamic value";
                match item {
                    Item::Array(2) => {}
                    other => return Err(self.mismatch(expected, &other)),
                }
                let type_json = match self.item()? {
                    Item::Str(bytes) | Item::Bin(bytes) => bytes,
                    other => {
                        return Err(self.mismatch("a type expression (string or binary)", &other))
                    }
                };
                let concrete =
                    Type::from_json(type_json).map_err(|e| self.error(e.message().to_owned()))?;
                let inner = self.value(&concrete, depth + 1)?;
                Ok(Value::Dynamic(concrete, Box::new(inner)))
            }
        }
    }

    fn array_len(&self, item: Item<'_>, expected: &str) -> Result<usize, DecodeError> {
        match item {
            Item::Array(len) => Ok(len),
            other => Err(self.mismatch(&format!("{expected} (an array)"), &other)),
        }
    }

    /// Decodes `len` array elements; `len` was checked against the input
    /// size by `item`, so reserving it is bounded.
    fn elements<'t>(
        &mut self,
        len: usize,
        element_type: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let mut items = Vec::with_capacity(len);
        for i in 0..len {
            self.path.push(PathStep::Index(i as u64));
            items.push(self.value(element_type(i), depth + 1)?);
            self.path.pop();
        }
        Ok(items)
    }

    /// A map key or attribute name: must be a msgpack string.
    fn key(&mut self) -> Result<String, DecodeError> {
        match self.item()? {
            Item::Str(bytes) => self.utf8(bytes).map(str::to_owned),
            other => Err(self.mismatch("a string key", &other)),
        }
    }

    fn utf8(&self, bytes: &'a [u8]) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(bytes).map_err(|_| self.error("a string is not valid UTF-8"))
    }

    fn number(&self, item: Item<'_>) -> Result<Number, DecodeError> {
        match item {
            Item::Int(i) => Ok(Number::Int(i)),
            Item::Uint(u) => Ok(Number::from_u64(u)),
            Item::Float(f) => {
                Number::from_f64(f).ok_or_else(|| self.error("NaN is not a valid number"))
            }
            Item::Str(bytes) => {
                let text = self.utf8(bytes)?;
                Number::parse(text).ok_or_else(|| {
                    self.error("expected a number, found a string that is not a decimal number")
                })
            }
            other => Err(self.mismatch("a number", &other)),
        }
    }
}
