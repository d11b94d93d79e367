//! The pure part of the collection engine: a resource's attributes, the
//! plan (which attributes replace), the bodies of the writes, the state an
//! answer becomes, finding one object in a listing, and the private state
//! that records which instance an object belongs to. No I/O happens here.

use serde_json::{Map, Value as Json};

use crate::framework::AttributePath;
use crate::value::{Type, Value};

/// The Terraform type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Bool,
    /// A whole number.
    Int,
    /// A JSON object held as a string: Clerk gets and answers the object,
    /// and two texts of the same object (formatting, key order) are equal.
    JsonObject,
    /// Clerk's array of objects with these attributes, as a Terraform list
    /// of objects; Clerk's `null` stays null.
    ObjectList(&'static [(&'static str, Kind)]),
}

impl Kind {
    pub fn value_type(self) -> Type {
        match self {
            Kind::String | Kind::JsonObject => Type::String,
            Kind::Bool => Type::Bool,
            Kind::Int => Type::Number,
            Kind::ObjectList(attributes) => Type::list(Type::object(
                attributes
                    .iter()
                    .map(|(name, kind)| (*name, kind.value_type())),
            )),
        }
    }
}

/// A constant value of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Literal {
    Bool(bool),
    Str(&'static str),
}

impl Literal {
    pub fn json(self) -> Json {
        match self {
            Literal::Bool(b) => Json::Bool(b),
            Literal::Str(s) => Json::String(s.to_string()),
        }
    }

    pub fn value(self) -> Value {
        match self {
            Literal::Bool(b) => Value::Bool(b),
            Literal::Str(s) => Value::string(s),
        }
    }
}

/// The object a `JsonObject` text holds; `Err` says why it is not one.
pub fn parse_json_object(text: &str) -> Result<Map<String, Json>, String> {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(format!(
            "The value must be a JSON object (`{{...}}`), not {}.",
            match other {
                Json::Null => "null",
                Json::Bool(_) => "a boolean",
                Json::Number(_) => "a number",
                Json::String(_) => "a string",
                Json::Array(_) => "an array",
                Json::Object(_) => "an object",
            }
        )),
        Err(error) => Err(format!("The value is not valid JSON: {error}.")),
    }
}

/// Whether two values of a `kind` attribute mean the same: equal, or, for a
/// JSON object, two texts of the same object.
pub fn same(kind: Kind, a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (kind, a.as_str(), b.as_str()) {
        (Kind::JsonObject, Some(a), Some(b)) => {
            matches!((parse_json_object(a), parse_json_object(b)), (Ok(a), Ok(b)) if a == b)
        }
        _ => false,
    }
}

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Required,
    Optional,
    /// Set by Clerk only.
    Computed,
    /// Configurable; when not configured, Clerk's value (kept unchanged).
    OptionalComputed,
}

/// Checks a known configured string; `Err` says what is wrong.
pub type Check = fn(&str) -> Result<(), String>;

/// One attribute of a collection resource, named as Clerk names the field.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub role: Role,
    /// Markdown.
    pub description: &'static str,
    /// A change replaces the object (Clerk cannot update it in place).
    pub replaces: bool,
    /// Sent when the object is created and never again.
    pub create_only: bool,
    /// Clerk never returns it: state keeps what was configured.
    pub write_only: bool,
    pub sensitive: bool,
    /// Clerk requires it in every update body, changed or not.
    pub always_sent: bool,
    pub validate: Option<Check>,
    /// The Bool attribute whose `true` makes this one required (checked at
    /// plan).
    pub required_when: Option<&'static str>,
    /// An `OptionalComputed` attribute left unconfigured becomes unknown
    /// when this attribute changes, since Clerk may then change it too.
    pub reset_by: Option<&'static str>,
    /// Clerk wants this other attribute in an update that sends this one.
    pub sent_with: Option<&'static str>,
    /// Clerk accepts a value only on production instances (`null`, which
    /// removes it, is fine anywhere): refused at plan when the instance in
    /// private state is not production, and before any write.
    pub production_only: bool,
    /// A computed attribute every object of this resource has with this
    /// value, sent on create (Clerk wants it; users do not set it). An
    /// object with another value is not one of this resource's: import,
    /// update and delete refuse it, giving the reason (the `&str`).
    pub fixed: Option<(Literal, &'static str)>,
}

impl Field {
    const fn new(name: &'static str, kind: Kind, role: Role, description: &'static str) -> Field {
        Field {
            name,
            kind,
            role,
            description,
            replaces: false,
            create_only: false,
            write_only: false,
            sensitive: false,
            always_sent: false,
            validate: None,
            required_when: None,
            reset_by: None,
            sent_with: None,
            production_only: false,
            fixed: None,
        }
    }

    pub const fn required(name: &'static str, kind: Kind, description: &'static str) -> Field {
        Field::new(name, kind, Role::Required, description)
    }

    pub const fn optional(name: &'static str, kind: Kind, description: &'static str) -> Field {
        Field::new(name, kind, Role::Optional, description)
    }

    pub const fn optional_computed(
        name: &'static str,
        kind: Kind,
        description: &'static str,
    ) -> Field {
        Field::new(name, kind, Role::OptionalComputed, description)
    }

    pub const fn computed(name: &'static str, kind: Kind, description: &'static str) -> Field {
        Field::new(name, kind, Role::Computed, description)
    }

    pub const fn replaces(mut self) -> Field {
        self.replaces = true;
        self
    }

    /// Sent on create only and never read back.
    pub const fn create_only(mut self) -> Field {
        self.create_only = true;
        self.write_only = true;
        self
    }

    pub const fn sensitive(mut self) -> Field {
        self.sensitive = true;
        self
    }

    pub const fn always_sent(mut self) -> Field {
        self.always_sent = true;
        self
    }

    pub const fn validate(mut self, check: Check) -> Field {
        self.validate = Some(check);
        self
    }

    /// Sent when set or changed, never read back (Clerk does not answer
    /// it): state keeps what was configured.
    pub const fn write_only(mut self) -> Field {
        self.write_only = true;
        self
    }

    pub const fn required_when(mut self, flag: &'static str) -> Field {
        self.required_when = Some(flag);
        self
    }

    pub const fn sent_with(mut self, other: &'static str) -> Field {
        self.sent_with = Some(other);
        self
    }

    pub const fn reset_by(mut self, other: &'static str) -> Field {
        self.reset_by = Some(other);
        self
    }

    pub const fn production_only(mut self) -> Field {
        self.production_only = true;
        self
    }

    /// An attribute with a fixed value (see the `fixed` member): `why`
    /// completes "…: " after the object is named.
    pub const fn fixed(mut self, value: Literal, why: &'static str) -> Field {
        self.fixed = Some((value, why));
        self
    }

    pub fn configurable(&self) -> bool {
        self.role != Role::Computed
    }
}

/// The result of planning a change.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub state: Value,
    /// Attributes whose change replaces the object.
    pub replace: Vec<AttributePath>,
}

fn attr(value: &Value, name: &str) -> Value {
    value.get(name).cloned().unwrap_or(Value::Null)
}

/// The planned state for `config`: configured attributes as configured,
/// Clerk's (computed) ones from the prior state unless the object is
/// replaced or created, when they are unknown until apply.
pub fn plan(fields: &[Field], prior: Option<&Value>, config: &Value) -> Planned {
    let mut replace = Vec::new();
    if let Some(prior) = prior {
        for field in fields.iter().filter(|f| f.replaces && f.configurable()) {
            if !same(
                field.kind,
                &attr(config, field.name),
                &attr(prior, field.name),
            ) {
                replace.push(AttributePath::root(field.name));
            }
        }
    }
    let fresh = prior.is_none() || !replace.is_empty();
    let mut attributes = Vec::with_capacity(fields.len() + 1);
    let id = match prior {
        Some(prior) if !fresh => attr(prior, "id"),
        _ => Value::Unknown,
    };
    attributes.push(("id", id));
    for field in fields {
        let configured = attr(config, field.name);
        let value = match (field.role, prior) {
            (Role::Computed, Some(prior)) if !fresh => attr(prior, field.name),
            (Role::Computed, _) => Value::Unknown,
            (Role::OptionalComputed, Some(prior)) if !fresh && configured.is_null() => {
                let reset = field.reset_by.is_some_and(|other| {
                    let kind = fields
                        .iter()
                        .find(|f| f.name == other)
                        .map_or(Kind::String, |f| f.kind);
                    !same(kind, &attr(config, other), &attr(prior, other))
                        && !attr(config, other).is_null()
                });
                if reset {
                    Value::Unknown
                } else {
                    attr(prior, field.name)
                }
            }
            // Never read back, so a new object's unset value is known now.
            (Role::OptionalComputed, _) if configured.is_null() && field.create_only => Value::Null,
            (Role::OptionalComputed, _) if configured.is_null() => Value::Unknown,
            // The prior text of the same JSON object: no change.
            (_, Some(prior))
                if !fresh && same(field.kind, &configured, &attr(prior, field.name)) =>
            {
                attr(prior, field.name)
            }
            _ => configured,
        };
        attributes.push((field.name, value));
    }
    let mut state = Value::object(attributes);
    // Clerk's answer to an update may change its own attributes (a renamed
    // domain gets new CNAME targets): they are unknown until apply, except
    // fixed ones. An unknown configured value counts as a change.
    if let (Some(prior), false) = (prior, fresh) {
        let updates = update_body(fields, prior, &state).map_or(true, |body| !body.is_empty());
        if let (true, Value::Object(map)) = (updates, &mut state) {
            for field in fields
                .iter()
                .filter(|f| f.role == Role::Computed && f.fixed.is_none())
            {
                map.insert(field.name.to_string(), Value::Unknown);
            }
        }
    }
    Planned { state, replace }
}

/// The planned state of an update that sent nothing: attributes still
/// unknown (Clerk's, planned as possibly changing) keep their prior values.
pub fn settle(planned: &Value, prior: &Value) -> Value {
    match planned {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(name, value)| {
                    let value = if value.is_unknown() {
                        attr(prior, name)
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A known value as JSON; `None` for null (not sent).
fn to_json(kind: Kind, value: &Value) -> Result<Option<Json>, String> {
    match value.without_dynamic() {
        Value::Null => Ok(None),
        Value::String(s) if kind == Kind::JsonObject => {
            parse_json_object(s).map(|map| Some(Json::Object(map)))
        }
        Value::String(s) => Ok(Some(Json::String(s.clone()))),
        Value::Number(n) => n
            .as_i64()
            .map(|i| Some(Json::from(i)))
            .ok_or_else(|| "expected a whole number".to_string()),
        Value::Bool(b) => Ok(Some(Json::Bool(*b))),
        Value::List(items) => {
            let Kind::ObjectList(attributes) = kind else {
                return Err("unexpected list".to_string());
            };
            let objects = items
                .iter()
                .map(|item| {
                    let mut object = Map::new();
                    for (name, kind) in attributes {
                        let json = to_json(*kind, &attr(item, name))?;
                        object.insert(name.to_string(), json.unwrap_or(Json::Null));
                    }
                    Ok(Json::Object(object))
                })
                .collect::<Result<Vec<_>, String>>()?;
            Ok(Some(Json::Array(objects)))
        }
        Value::Unknown => Err("a planned value is still unknown".to_string()),
        other => Err(format!("unexpected value {other:?}")),
    }
}

/// The body of the create request: every configured attribute that is set.
pub fn create_body(fields: &[Field], planned: &Value) -> Result<Map<String, Json>, String> {
    let mut body = Map::new();
    for field in fields.iter().filter(|f| f.configurable()) {
        let value = attr(planned, field.name);
        if field.role == Role::OptionalComputed && value.is_unknown() {
            continue; // not configured: Clerk's default
        }
        if let Some(json) =
            to_json(field.kind, &value).map_err(|problem| format!("{}: {problem}", field.name))?
        {
            body.insert(field.name.to_string(), json);
        }
    }
    for field in fields {
        if let Some((value, _)) = field.fixed {
            body.insert(field.name.to_string(), value.json());
        }
    }
    Ok(body)
}

/// The first attribute whose fixed value `state` does not have, with the
/// reason: the object is not one of this resource's. Unknown and null
/// values are not taken as another value.
pub fn foreign<'a>(fields: &'a [Field], state: &Value) -> Option<(&'a Field, &'static str)> {
    fields.iter().find_map(|field| {
        let (value, why) = field.fixed?;
        let actual = attr(state, field.name);
        (!actual.is_null() && !actual.is_unknown() && actual != value.value())
            .then_some((field, why))
    })
}

/// A short text of a value for messages: `true`, `"text"`, `null`.
pub fn show(value: &Value) -> String {
    match value.without_dynamic() {
        Value::Null => "null".to_string(),
        Value::Unknown => "(known after apply)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        _ => "(a collection)".to_string(),
    }
}

/// The production-only attributes a body would set (to anything but null).
pub fn production_only_sent<'a>(fields: &'a [Field], body: &Map<String, Json>) -> Vec<&'a Field> {
    fields
        .iter()
        .filter(|f| f.production_only && body.get(f.name).is_some_and(|v| !v.is_null()))
        .collect()
}

/// The production-only attributes a configuration sets (known or not).
pub fn production_only_configured<'a>(fields: &'a [Field], config: &Value) -> Vec<&'a Field> {
    fields
        .iter()
        .filter(|f| f.production_only && !attr(config, f.name).is_null())
        .collect()
}

/// The body of an in-place update: the configured attributes that changed
/// (a null is sent as JSON null), plus the ones Clerk requires every time.
/// Create-only and replacing attributes are never part of an update.
pub fn update_body(
    fields: &[Field],
    prior: &Value,
    planned: &Value,
) -> Result<Map<String, Json>, String> {
    let mut body = Map::new();
    let mut changed = false;
    for field in fields
        .iter()
        .filter(|f| f.configurable() && !f.create_only && !f.replaces)
    {
        let wanted = attr(planned, field.name);
        if field.role == Role::OptionalComputed && wanted.is_unknown() {
            continue; // not configured: Clerk decides
        }
        let differs = !same(field.kind, &wanted, &attr(prior, field.name));
        changed |= differs;
        if differs || field.always_sent {
            let json = to_json(field.kind, &wanted)
                .map_err(|problem| format!("{}: {problem}", field.name))?;
            body.insert(field.name.to_string(), json.unwrap_or(Json::Null));
        }
    }
    if !changed {
        body.clear();
    }
    let companions: Vec<&str> = fields
        .iter()
        .filter(|f| body.contains_key(f.name))
        .filter_map(|f| f.sent_with)
        .collect();
    for other in companions {
        let kind = fields
            .iter()
            .find(|f| f.name == other)
            .map_or(Kind::String, |f| f.kind);
        if !body.contains_key(other) {
            if let Some(json) = to_json(kind, &attr(planned, other))
                .map_err(|problem| format!("{other}: {problem}"))?
            {
                body.insert(other.to_string(), json);
            }
        }
    }
    Ok(body)
}

fn from_json(kind: Kind, json: Option<&Json>) -> Value {
    match (kind, json) {
        (Kind::String, Some(Json::String(s))) => Value::String(s.clone()),
        (Kind::Bool, Some(Json::Bool(b))) => Value::Bool(*b),
        (Kind::Int, Some(Json::Number(n))) => n.as_i64().map_or(Value::Null, Value::int),
        (Kind::JsonObject, Some(object @ Json::Object(_))) => Value::String(object.to_string()),
        (Kind::ObjectList(attributes), Some(Json::Array(items))) => Value::List(
            items
                .iter()
                .map(|item| {
                    Value::object(
                        attributes
                            .iter()
                            .map(|(name, kind)| (*name, from_json(*kind, item.get(name)))),
                    )
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// The state Clerk's object (a write's answer, or a read) becomes.
/// Write-only attributes keep their `known` value (the prior or planned
/// state). A configured string Clerk reports differing only in letter case
/// keeps the known spelling, so a normalised email address is no change.
pub fn state_from_object(fields: &[Field], object: &Json, known: Option<&Value>) -> Value {
    let mut attributes = Vec::with_capacity(fields.len() + 1);
    attributes.push(("id", from_json(Kind::String, object.get("id"))));
    for field in fields {
        let known_value = known.map(|k| attr(k, field.name)).unwrap_or(Value::Null);
        let value = if field.write_only {
            known_value
        } else {
            let reported = from_json(field.kind, object.get(field.name));
            match (&reported, &known_value) {
                _ if field.kind == Kind::JsonObject
                    && same(field.kind, &reported, &known_value) =>
                {
                    known_value.clone()
                }
                (Value::String(r), Value::String(k))
                    if field.configurable() && r != k && r.eq_ignore_ascii_case(k) =>
                {
                    known_value.clone()
                }
                _ => reported,
            }
        };
        attributes.push((field.name, value));
    }
    Value::object(attributes)
}

/// The object with this `id` in a listing.
pub fn find_by_id<'a>(objects: &'a [Json], id: &str) -> Option<&'a Json> {
    objects
        .iter()
        .find(|o| o.get("id").and_then(Json::as_str) == Some(id))
}

/// The object whose natural key `key` is `value` (letter case aside, as
/// Clerk compares identifiers) in a listing.
pub fn find_by_key<'a>(objects: &'a [Json], key: &str, value: &str) -> Option<&'a Json> {
    objects.iter().find(|o| {
        o.get(key)
            .and_then(Json::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    })
}

/// How a list endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// A bare JSON array, paged with `limit` and `offset`.
    PagedArray,
    /// `{data, total_count}`, everything in one answer (no paging
    /// parameters in the spec).
    DataObject,
}

/// Largest page Clerk serves (`limit` is at most 500).
pub const PAGE_SIZE: usize = 500;

/// Pages past which a listing is taken as runaway (a server that ignores
/// `offset`): 2.5 million objects.
const MAX_PAGES: usize = 5_000;

/// The path of one page of a paged listing.
pub fn page_path(path: &str, limit: usize, offset: usize) -> String {
    format!("{path}?limit={limit}&offset={offset}")
}

/// The objects of one answer of a list endpoint.
pub fn parse_list(listing: Listing, answer: &Json) -> Result<Vec<Json>, String> {
    let items = match listing {
        Listing::PagedArray => answer.as_array(),
        Listing::DataObject => answer.get("data").and_then(Json::as_array),
    };
    items.cloned().ok_or_else(|| match listing {
        Listing::PagedArray => "expected a JSON array".to_string(),
        Listing::DataObject => "expected an object with a `data` array".to_string(),
    })
}

/// Reads a paged listing through all its pages: `fetch(offset)` answers one
/// page of at most `limit` objects; a shorter page is the last one.
pub async fn collect_pages<F, Fut, E>(limit: usize, mut fetch: F) -> Result<Vec<Json>, E>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Json>, E>>,
{
    let mut all = Vec::new();
    for page in 0..MAX_PAGES {
        let items = fetch(page * limit).await?;
        let last = items.len() < limit;
        all.extend(items);
        if last {
            break;
        }
    }
    Ok(all)
}

/// What the provider remembers about an object beyond its attributes: the
/// instance it was created in or imported from, checked before each write,
/// and that instance's environment, which plans check production-only
/// attributes against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Private {
    pub instance_id: Option<String>,
    /// `development` or `production`; absent in state written before it
    /// was recorded, until the next refresh.
    pub environment: Option<String>,
}

impl Private {
    pub fn from_bytes(bytes: &[u8]) -> Private {
        let json = serde_json::from_slice::<Json>(bytes).ok();
        let text = |key: &str| {
            json.as_ref()
                .and_then(|j| j.get(key)?.as_str().map(str::to_string))
        };
        Private {
            instance_id: text("instance_id"),
            environment: text("environment"),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let Some(id) = &self.instance_id else {
            return Vec::new();
        };
        let mut json = serde_json::json!({ "instance_id": id });
        if let Some(environment) = &self.environment {
            json["environment"] = Json::String(environment.clone());
        }
        json.to_string().into_bytes()
    }

    /// The instance's environment is known and is not production.
    pub fn not_production(&self) -> bool {
        self.environment
            .as_deref()
            .is_some_and(|env| env != "production")
    }
}

/// An object id as one path segment: anything outside the characters
/// Clerk's ids use is percent-encoded, so an id can never change the path.
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
