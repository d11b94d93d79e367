//! The `clerk_instance` data source: what Clerk reports about the instance
//! the provider's key belongs to, for audits and for use elsewhere in a
//! configuration.

use crate::clerk::Client;
use crate::framework::{Attribute, Block, Diagnostics, Schema};
use crate::value::Value;

use super::errors::api_error;
use super::instance_settings::settings::{Readback, SETTINGS};
use super::readback;

pub const TYPE_NAME: &str = "clerk_instance";

pub fn schema() -> Schema {
    let mut attributes = super::identity_attributes();
    for setting in SETTINGS
        .iter()
        .filter(|s| s.readback != Readback::WriteOnly)
    {
        let ty = setting.kind.value_type();
        let description = format!(
            "The instance's current `{}`, as Clerk reports it (read from {}). Null when Clerk \
             could not be asked; a warning then says why.",
            setting.name, setting.readback_source
        );
        attributes.push(Attribute::computed(setting.name, ty, &description));
    }
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: Vec::new(),
            description:
                "Reads the Clerk instance that the provider's secret key belongs to: its ID, \
                environment, and the current value of every instance setting Clerk lets a client \
                read back. `preferred_sign_in_strategy_when_password_required` is absent because \
                Clerk does not expose the stored override."
                    .to_string(),
            deprecated: false,
        },
    }
}

pub async fn read(client: &Client) -> (Value, Diagnostics) {
    let (observed, diags) = match readback::observe(client, true).await {
        Ok(result) => result,
        Err(error) => return (Value::Null, api_error("read the Clerk instance", &error)),
    };
    let mut attributes = vec![
        (
            "id".to_string(),
            Value::String(observed.instance.id.clone()),
        ),
        (
            "environment_type".to_string(),
            Value::String(observed.instance.environment_type.clone()),
        ),
    ];
    for setting in SETTINGS
        .iter()
        .filter(|s| s.readback != Readback::WriteOnly)
    {
        let value = observed
            .settings
            .get(setting.name)
            .map_or(Value::Null, |v| v.to_value());
        attributes.push((setting.name.to_string(), value));
    }
    (Value::object(attributes), diags)
}
