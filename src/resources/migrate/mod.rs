//! State written by another Clerk provider, taken over without importing
//! anything again.
//!
//! Teams switching from the community provider vanillauys/clerk run
//! `terraform state replace-provider` for the types both providers name
//! alike, and a `moved` block for the one named differently
//! (`clerk_instance_organization_settings` → `clerk_organization_settings`).
//! Their state is flat JSON at schema version 0 whose attribute names are
//! Clerk's field names, as ours are, so what differs is a few attributes
//! this provider does not have. [`FOREIGN`] lists those layouts; the
//! functions here turn such state into ours: every attribute we have is
//! kept as stored, the others are dropped and named in a warning. Pure: no
//! I/O, nothing about gRPC.

use std::collections::BTreeSet;

use crate::framework::{Diagnostic, MoveRequest, Schema};
use crate::value::json::decode_lenient;
use crate::value::Value;

/// One resource type of another provider whose stored state this provider
/// reads as one of its own types.
#[derive(Debug)]
pub struct Foreign {
    /// The other provider, as the `namespace/type` of its source address.
    pub provider: &'static str,
    /// The highest schema version of theirs this layout describes.
    pub version: i64,
    /// Their resource type.
    pub source_type: &'static str,
    /// Ours.
    pub target_type: &'static str,
    /// Their attributes with no counterpart here, each with the reason.
    pub dropped: &'static [(&'static str, &'static str)],
}

const VANILLAUYS: &str = "vanillauys/clerk";

/// vanillauys/clerk up to v0.7.0: every resource at schema version 0,
/// attributes flat (string, bool, number, list or set of strings). Types
/// not listed here are not taken over; `clerk_instance_settings`,
/// `clerk_redirect_url`, `clerk_blocklist_identifier`, `clerk_jwt_template`
/// and `clerk_allowlist_identifier` store a subset of our attributes.
pub static FOREIGN: &[Foreign] = &[
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_instance_settings",
        target_type: "clerk_instance_settings",
        dropped: &[],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_instance_restrictions",
        target_type: "clerk_instance_restrictions",
        dropped: &[(
            "ignore_dots_for_gmail_addresses",
            "Clerk took this setting out of its Backend API in 2025",
        )],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_instance_organization_settings",
        target_type: "clerk_organization_settings",
        dropped: &[(
            "max_allowed_permissions",
            "read-only, and no longer meaningful in Clerk: permissions are unlimited",
        )],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_redirect_url",
        target_type: "clerk_redirect_url",
        dropped: &[],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_allowlist_identifier",
        target_type: "clerk_allowlist_identifier",
        dropped: &[],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_blocklist_identifier",
        target_type: "clerk_blocklist_identifier",
        dropped: &[],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_jwt_template",
        target_type: "clerk_jwt_template",
        dropped: &[],
    },
    Foreign {
        provider: VANILLAUYS,
        version: 0,
        source_type: "clerk_domain",
        target_type: "clerk_domain",
        dropped: &[(
            "development_origin",
            "read-only; the instance's development origin is managed by \
             `clerk_instance_settings`",
        )],
    },
];

/// Foreign state turned into a value of our schema.
#[derive(Debug)]
pub struct Adopted {
    pub value: Value,
    pub from: &'static Foreign,
    /// Their attributes that were dropped, in the order of [`Foreign::dropped`].
    pub dropped: Vec<&'static str>,
}

impl Adopted {
    /// The object's id (`ins_…` for the instance-wide types), if stored.
    pub fn id(&self) -> String {
        self.value
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// The warning that names what was dropped; `None` when nothing was.
    pub fn warning(&self) -> Option<Diagnostic> {
        if self.dropped.is_empty() {
            return None;
        }
        let named: Vec<String> = self
            .dropped
            .iter()
            .map(|name| {
                let why = self
                    .from
                    .dropped
                    .iter()
                    .find(|(dropped, _)| dropped == name)
                    .map_or("", |(_, why)| why);
                format!("`{name}` ({why})")
            })
            .collect();
        Some(Diagnostic::warning(
            // One summary per type: Terraform folds warnings that share one.
            format!(
                "{} state taken over from {}",
                self.from.target_type, self.from.provider
            ),
            format!(
                "This {target} was stored by {provider}'s {source}. Its attributes that this \
                 provider does not have were dropped from state: {named}. Nothing was sent to \
                 Clerk, where these settings stay as they are; remove them from the \
                 configuration if it still sets them. Every other attribute was kept as stored. \
                 `terraform apply -refresh-only` saves the state in this provider's layout, \
                 after which this warning no longer appears.",
                target = self.from.target_type,
                provider = self.from.provider,
                source = self.from.source_type,
                named = named.join(", "),
            ),
        ))
    }
}

/// Stored state of `type_name` that only a foreign layout explains: it has
/// attributes our schema lacks, all of them ones that layout drops.
/// `None` when the state has no such attributes (ours, or one that needs
/// no change) or attributes no known layout has (left to the usual
/// upgrade, which names them as a newer version's).
pub fn recognize(
    type_name: &str,
    version: i64,
    raw_json: &[u8],
    schema: &Schema,
) -> Option<Result<Adopted, String>> {
    let stored: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(raw_json).ok()?;
    let ours = attribute_names(schema);
    let extra: BTreeSet<&str> = stored
        .keys()
        .map(String::as_str)
        .filter(|name| !ours.contains(name))
        .collect();
    if extra.is_empty() {
        return None;
    }
    let from = FOREIGN.iter().find(|f| {
        f.source_type == type_name
            && f.target_type == type_name
            && version <= f.version
            && extra
                .iter()
                .all(|name| f.dropped.iter().any(|(dropped, _)| dropped == name))
    })?;
    Some(adopt(from, raw_json, schema))
}

/// A `moved` block's source state, when it is a layout this provider takes
/// over. `None` when no entry of [`FOREIGN`] matches the source provider,
/// source type and target type.
pub fn moved(request: &MoveRequest, schema: &Schema) -> Option<Result<Adopted, String>> {
    let from = FOREIGN.iter().find(|f| {
        f.source_type == request.source_type_name
            && f.target_type == request.target_type_name
            && provider_matches(&request.source_provider_address, f.provider)
    })?;
    if request.source_schema_version > from.version {
        return Some(Err(format!(
            "the state was written with schema version {} of {}'s {}, and this provider knows \
             only versions up to {}",
            request.source_schema_version, from.provider, from.source_type, from.version
        )));
    }
    Some(adopt(from, &request.source_state_json, schema))
}

/// Whether a source address (`[host/]namespace/type`) is `provider`'s, or
/// this provider's own: after `terraform state replace-provider` a foreign
/// type sits in state under our address (our type name is `clerk` too)
/// until a `moved` block takes it over.
fn provider_matches(address: &str, provider: &str) -> bool {
    let segments: Vec<&str> = address.rsplit('/').collect();
    match segments.as_slice() {
        [kind, namespace, ..] => {
            format!("{namespace}/{kind}") == provider || *kind == provider_type(provider)
        }
        _ => false,
    }
}

fn provider_type(provider: &str) -> &str {
    provider.rsplit('/').next().unwrap_or(provider)
}

fn attribute_names(schema: &Schema) -> BTreeSet<&str> {
    schema
        .block
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect()
}

fn adopt(from: &'static Foreign, raw_json: &[u8], schema: &Schema) -> Result<Adopted, String> {
    let (value, dropped) =
        decode_lenient(raw_json, &schema.value_type()).map_err(|e| e.to_string())?;
    let Value::Object(mut attributes) = value else {
        return Err("the stored state is not an object".to_string());
    };
    let unexpected: Vec<&String> = dropped
        .iter()
        .filter(|path| {
            !from
                .dropped
                .iter()
                .any(|(name, _)| path.trim_start_matches('.') == *name)
        })
        .collect();
    if !unexpected.is_empty() {
        return Err(format!(
            "it has attributes {} does not store: {}",
            from.provider,
            unexpected
                .iter()
                .map(|p| p.trim_start_matches('.'))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // Their early releases kept some sets as lists, so one may repeat.
    for value in attributes.values_mut() {
        if let Value::Set(items) = value {
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items.drain(..) {
                if !unique.contains(&item) {
                    unique.push(item);
                }
            }
            *items = unique;
        }
    }
    let dropped = from
        .dropped
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| dropped.iter().any(|p| p.trim_start_matches('.') == *name))
        .collect();
    Ok(Adopted {
        value: Value::Object(attributes),
        from,
        dropped,
    })
}

#[cfg(test)]
mod tests;
