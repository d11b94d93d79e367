//! The Clerk provider: its configuration, the Clerk client it builds, and
//! dispatch from Terraform's resource and data source types to the
//! resource modules.

pub mod config;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;

use crate::clerk::{Client, ClientConfig};
use crate::framework::{
    ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, ImportedResource, PlanRequest,
    PlanResponse, Provider, ProviderSchemas, ReadRequest, ReadResponse,
};
use crate::logging;
use crate::resources::{data_instance, instance_settings};
use crate::value::Value;

/// Where Terraform finds this provider: `terraform.local/clerk/clerk`.
pub const SOURCE_ADDRESS: &str = "terraform.local/clerk/clerk";

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

struct Configured {
    client: Client,
    read_options: instance_settings::ReadOptions,
}

pub struct ClerkProvider {
    schemas: ProviderSchemas,
    configured: RwLock<Option<Arc<Configured>>>,
    /// Fired by Terraform's Stop; every request in flight races it.
    cancel: CancellationToken,
    env: fn(&str) -> Option<String>,
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Default for ClerkProvider {
    fn default() -> Self {
        ClerkProvider::with_env(process_env)
    }
}

impl ClerkProvider {
    pub fn with_env(env: fn(&str) -> Option<String>) -> ClerkProvider {
        let mut resources = BTreeMap::new();
        resources.insert(
            instance_settings::TYPE_NAME.to_string(),
            instance_settings::schema(),
        );
        let mut data_sources = BTreeMap::new();
        data_sources.insert(
            data_instance::TYPE_NAME.to_string(),
            data_instance::schema(),
        );
        ClerkProvider {
            schemas: ProviderSchemas {
                provider: config::schema(),
                resources,
                data_sources,
                plan_destroy: true,
            },
            configured: RwLock::new(None),
            cancel: CancellationToken::new(),
            env,
        }
    }

    fn configured(&self) -> Result<Arc<Configured>, Diagnostics> {
        let guard = self.configured.read().unwrap_or_else(|e| e.into_inner());
        guard.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The Clerk provider has no usable configuration yet, usually because \
                 `secret_key` or `api_url` depends on values only known after apply. \
                 Make them known at plan time (for example from variables), or apply the \
                 resources they depend on first with `-target`.",
            )
            .into()
        })
    }
}

fn unsupported(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unsupported {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}."),
    )
    .into()
}

impl Provider for ClerkProvider {
    fn schemas(&self) -> &ProviderSchemas {
        &self.schemas
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, terraform_version: String, config: Value) -> Diagnostics {
        let parsed = match config::parse(&config, self.env) {
            Ok(parsed) => parsed,
            Err(diags) => return diags,
        };
        let config = match parsed {
            config::Parsed::Ready(config) => config,
            config::Parsed::Deferred => {
                logging::debug("provider", "configuration not yet known; deferring", &[]);
                return Diagnostics::new();
            }
        };
        logging::info(
            "provider",
            "configured",
            &[
                ("key_kind", &config::describe_key(&config.secret_key)),
                ("api_url", &config.api_url.as_str()),
                ("terraform_version", &terraform_version),
                ("drift_detection", &config.drift_detection),
            ],
        );
        let client = Client::new(
            ClientConfig {
                api_url: config.api_url,
                secret_key: config.secret_key,
                user_agent: format!("terraform-provider-clerk/{VERSION}"),
                retry: config.retry,
            },
            self.cancel.clone(),
        );
        match client {
            Ok(client) => {
                let configured = Arc::new(Configured {
                    client,
                    read_options: instance_settings::ReadOptions {
                        drift_detection: config.drift_detection,
                        stale_read_grace_ms: config.drift_grace.as_millis() as u64,
                    },
                });
                *self.configured.write().unwrap_or_else(|e| e.into_inner()) = Some(configured);
                Diagnostics::new()
            }
            Err(error) => Diagnostic::error(
                "Could not set up the Clerk client",
                format!("{error}. Check the provider configuration."),
            )
            .into(),
        }
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            instance_settings::TYPE_NAME => instance_settings::validate(config),
            _ => unsupported("resource", type_name),
        }
    }

    fn validate_data_source_config(&self, type_name: &str, _config: &Value) -> Diagnostics {
        match type_name {
            data_instance::TYPE_NAME => Diagnostics::new(),
            _ => unsupported("data source", type_name),
        }
    }

    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> (Value, Diagnostics) {
        match type_name {
            instance_settings::TYPE_NAME => instance_settings::upgrade(version, raw_json),
            _ => (Value::Null, unsupported("resource", type_name)),
        }
    }

    async fn read_resource(&self, request: ReadRequest) -> ReadResponse {
        let keep = |diagnostics| ReadResponse {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            diagnostics,
        };
        if request.type_name != instance_settings::TYPE_NAME {
            return keep(unsupported("resource", &request.type_name));
        }
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return keep(diags),
        };
        instance_settings::read(&configured.client, configured.read_options, request).await
    }

    fn plan_resource_change(&self, request: PlanRequest) -> PlanResponse {
        if request.type_name != instance_settings::TYPE_NAME {
            return PlanResponse {
                diagnostics: unsupported("resource", &request.type_name),
                ..Default::default()
            };
        }
        instance_settings::plan(&request)
    }

    async fn apply_resource_change(&self, request: ApplyRequest) -> ApplyResponse {
        let failed = |diagnostics| ApplyResponse {
            new_state: request.prior_state.clone(),
            private: request.planned_private.clone(),
            diagnostics,
        };
        if request.type_name != instance_settings::TYPE_NAME {
            return failed(unsupported("resource", &request.type_name));
        }
        if request.planned_state.is_null() {
            // Destroy needs no client: nothing is sent to Clerk.
            return instance_settings::forget();
        }
        let configured = match self.configured() {
            Ok(configured) => configured,
            Err(diags) => return failed(diags),
        };
        instance_settings::apply(&configured.client, configured.read_options, request).await
    }

    async fn import_resource_state(
        &self,
        type_name: String,
        id: String,
    ) -> (Vec<ImportedResource>, Diagnostics) {
        if type_name != instance_settings::TYPE_NAME {
            return (Vec::new(), unsupported("resource", &type_name));
        }
        match self.configured() {
            Ok(configured) => {
                instance_settings::import(&configured.client, configured.read_options, id).await
            }
            Err(diags) => (Vec::new(), diags),
        }
    }

    async fn read_data_source(&self, type_name: String, _config: Value) -> (Value, Diagnostics) {
        if type_name != data_instance::TYPE_NAME {
            return (Value::Null, unsupported("data source", &type_name));
        }
        match self.configured() {
            Ok(configured) => data_instance::read(&configured.client).await,
            Err(diags) => (Value::Null, diags),
        }
    }

    fn stop(&self) {
        logging::info(
            "provider",
            "stop requested; cancelling requests in flight",
            &[],
        );
        self.cancel.cancel();
    }
}
