//! Conversions between tfplugin5 wire messages and framework types.

use super::tfplugin5 as pb;
use crate::framework::{
    Attribute, AttributePath, Block, Diagnostic, Diagnostics, Nesting, PathStep, Schema, Severity,
};
use crate::value::{msgpack, Type, Value};

/// Decodes a `DynamicValue` of type `ty`. An absent or empty value is null,
/// as Terraform itself treats it. JSON is accepted for completeness; this
/// provider always answers in msgpack.
pub fn decode_value(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostic> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let decoded = if !value.msgpack.is_empty() {
        msgpack::decode(&value.msgpack, ty)
    } else if !value.json.is_empty() {
        crate::value::json::decode(&value.json, ty)
    } else {
        return Ok(Value::Null);
    };
    decoded.map_err(|error| {
        Diagnostic::error(
            format!("Invalid {what} received from Terraform"),
            format!(
                "The provider could not decode the {what} that Terraform sent: {error}. \
                 This is a bug in Terraform or in the provider; please report it."
            ),
        )
    })
}

pub fn encode_value(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    match msgpack::encode(value, ty) {
        Ok(bytes) => Ok(pb::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        }),
        Err(error) => Err(Diagnostic::error(
            format!("Provider produced an invalid {what}"),
            format!(
                "The provider could not encode its {what}: {error}. \
                 This is a bug in the provider; please report it."
            ),
        )),
    }
}

pub fn diagnostics(diags: Diagnostics) -> Vec<pb::Diagnostic> {
    diags.0.into_iter().map(diagnostic).collect()
}

fn diagnostic(diag: Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match diag.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: diag.summary,
        detail: diag.detail,
        attribute: diag.attribute.map(attribute_path),
    }
}

pub fn attribute_path(path: AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .into_iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name),
                    PathStep::Key(key) => Selector::ElementKeyString(key),
                    PathStep::Index(index) => Selector::ElementKeyInt(index),
                }),
            })
            .collect(),
    }
}

pub fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block)),
    }
}

fn block(block: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block
            .blocks
            .iter()
            .map(|nested| pb::schema::NestedBlock {
                type_name: nested.type_name.clone(),
                // Terraform dereferences every nested block unconditionally.
                block: Some(self::block(&nested.block)),
                nesting: match nested.nesting {
                    Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                    Nesting::List => pb::schema::nested_block::NestingMode::List,
                    Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                    Nesting::Map => pb::schema::nested_block::NestingMode::Map,
                    Nesting::Group => pb::schema::nested_block::NestingMode::Group,
                } as i32,
                min_items: nested.min_items,
                max_items: nested.max_items,
            })
            .collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: attribute.ty.to_json().into_bytes(),
        description: attribute.description.clone(),
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attribute.deprecated,
    }
}
