//! One row of a singleton's settings table: the attribute, its Terraform
//! type, how it is checked, and where Clerk lets it be read back.
//!
//! A row drives the schema, the conversion from Terraform values, plan-time
//! validation, the PATCH body, the read-back, the data source and the
//! generated docs, so adding a setting to a resource is one new row.

use crate::value::Type;

/// The Terraform type of a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    /// A whole number (Clerk's `integer`).
    Int,
    String,
    /// A set of strings: Clerk returns list settings in arbitrary order.
    StringSet,
}

impl Kind {
    pub fn value_type(self) -> Type {
        match self {
            Kind::Bool => Type::Bool,
            Kind::Int => Type::Number,
            Kind::String => Type::String,
            Kind::StringSet => Type::set(Type::String),
        }
    }
}

/// A place Clerk reports stored settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// Backend API `GET /v1/instance`: authoritative, always read.
    Instance,
    /// Backend API `GET /v1/domains`, the primary (non-satellite) domain:
    /// authoritative, read with drift detection.
    PrimaryDomain,
    /// The Frontend API's public `GET /v1/environment`: cached at Clerk's
    /// edge, so it may lag behind a write; read with drift detection.
    Environment,
    /// The resource's own Backend API endpoint, read with `GET`:
    /// authoritative, always read.
    Own,
}

impl Source {
    /// Whether a read may still show a value a write already replaced
    /// (only then does the stale-read rule apply).
    pub fn edge_cached(self) -> bool {
        self == Source::Environment
    }

    /// Whether reading it needs the provider's `drift_detection` opt-in.
    pub fn needs_drift_detection(self) -> bool {
        matches!(self, Source::PrimaryDomain | Source::Environment)
    }

    /// Where it is, in words, for docs and messages; `own_path` is the
    /// resource's endpoint (e.g. `/instance/protect`).
    pub fn describe(self, own_path: &str) -> String {
        match self {
            Source::Instance => "Backend API `GET /v1/instance`".to_string(),
            Source::PrimaryDomain => "Backend API `GET /v1/domains` (primary domain)".to_string(),
            Source::Environment => "Frontend API `GET /v1/environment`".to_string(),
            Source::Own => format!("Backend API `GET /v1{own_path}`"),
        }
    }
}

/// How a reported value maps onto the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Same,
    /// A boolean reported inverted (`disable_hibp` for `hibp`).
    Not,
}

/// Where a setting's stored value can be read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// At a JSON pointer into a source's answer.
    From {
        source: Source,
        pointer: &'static str,
        transform: Transform,
    },
    /// Not readable anywhere: state keeps what was last applied. The text
    /// says why, for the docs.
    WriteOnly(&'static str),
    /// Worked out from a source's answer by the singleton's
    /// [`adjust`](super::Singleton::adjust) hook, not read at a pointer. The
    /// text says how, for the docs.
    Derived { source: Source, how: &'static str },
}

/// Checks one known value and says what is wrong with it.
pub type Validator = fn(&str) -> Result<(), String>;

/// One setting of a singleton resource.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Attribute name and JSON key in the PATCH body: the same word.
    pub name: &'static str,
    pub kind: Kind,
    /// Markdown, shown by Terraform and in the generated docs.
    pub description: &'static str,
    pub deprecated: Option<&'static str>,
    /// Checks one known string value (each element, for a set).
    pub validate: Option<Validator>,
    /// What to do when validation fails, for the diagnostic.
    pub fix: &'static str,
    pub read: Read,
    /// Clerk refuses it on production instances.
    pub development_only: bool,
    /// Lowest value Clerk accepts, for an integer.
    pub min: Option<i64>,
    /// Reported by Clerk but not settable: a computed attribute, never sent.
    pub computed_only: bool,
    /// Most elements Clerk accepts, for a set.
    pub max_items: Option<usize>,
}

impl Setting {
    /// A setting with no validation that cannot be read back; the builder
    /// methods below fill in the rest, so a table row reads as a sentence.
    pub const fn new(name: &'static str, kind: Kind, description: &'static str) -> Setting {
        Setting {
            name,
            kind,
            description,
            deprecated: None,
            validate: None,
            fix: "",
            read: Read::WriteOnly("Clerk does not expose it"),
            development_only: false,
            min: None,
            computed_only: false,
            max_items: None,
        }
    }

    pub const fn read(self, source: Source, pointer: &'static str) -> Setting {
        Setting {
            read: Read::From {
                source,
                pointer,
                transform: Transform::Same,
            },
            ..self
        }
    }

    pub const fn read_inverted(self, source: Source, pointer: &'static str) -> Setting {
        Setting {
            read: Read::From {
                source,
                pointer,
                transform: Transform::Not,
            },
            ..self
        }
    }

    /// Filled in by the singleton's `adjust` hook from `source`'s answer;
    /// `how` says how, for the docs.
    pub const fn derived(self, source: Source, how: &'static str) -> Setting {
        Setting {
            read: Read::Derived { source, how },
            ..self
        }
    }

    /// A value Clerk reports but does not take: computed, never sent.
    pub const fn computed_only(self) -> Setting {
        Setting {
            computed_only: true,
            ..self
        }
    }

    pub const fn write_only(self, why: &'static str) -> Setting {
        Setting {
            read: Read::WriteOnly(why),
            ..self
        }
    }

    pub const fn validate(self, check: Validator, fix: &'static str) -> Setting {
        Setting {
            validate: Some(check),
            fix,
            ..self
        }
    }

    pub const fn deprecated(self, why: &'static str) -> Setting {
        Setting {
            deprecated: Some(why),
            ..self
        }
    }

    pub const fn development_only(self) -> Setting {
        Setting {
            development_only: true,
            ..self
        }
    }

    pub const fn min(self, min: i64) -> Setting {
        Setting {
            min: Some(min),
            ..self
        }
    }

    pub const fn max_items(self, max: usize) -> Setting {
        Setting {
            max_items: Some(max),
            ..self
        }
    }

    /// The source it is read from, if any.
    pub fn source(&self) -> Option<Source> {
        match self.read {
            Read::From { source, .. } | Read::Derived { source, .. } => Some(source),
            Read::WriteOnly(_) => None,
        }
    }

    /// Where it is read back from, in words, for docs; `own_path` as in
    /// [`Source::describe`].
    pub fn readback_source(&self, own_path: &str) -> String {
        match self.read {
            Read::From {
                source,
                pointer,
                transform,
            } => {
                let field = pointer.trim_start_matches('/').replace('/', ".");
                let inverted = if transform == Transform::Not {
                    ", inverted"
                } else {
                    ""
                };
                format!("{} → `{field}`{inverted}", source.describe(own_path))
            }
            Read::Derived { source, how } => format!("{}, {how}", source.describe(own_path)),
            Read::WriteOnly(why) => format!("cannot be read back: {why}"),
        }
    }
}
