//! The Clerk provider: its configuration, the Clerk client it builds, and
//! the resources and data sources of the registry (`resources::RESOURCES`,
//! `resources::DATA_SOURCES`), found by type name. No method here knows a
//! resource by name.

pub mod config;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

use crate::clerk::{Client, ClientConfig};
use crate::framework::{
    unsupported_move, ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, ImportedResource,
    MoveRequest, MoveResponse, PlanRequest, PlanResponse, Provider, ProviderSchemas, ReadRequest,
    ReadResponse,
};
use crate::logging;
use crate::resources::{self, migrate, Context, DataSource, ReadOptions, Resource};
use crate::value::Value;

/// Where Terraform finds this provider: `terraform.local/clerk/clerk`.
pub const SOURCE_ADDRESS: &str = "terraform.local/clerk/clerk";

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct ClerkProvider {
    schemas: ProviderSchemas,
    /// Replaced whole by Configure; each RPC works with the one it took.
    context: RwLock<Arc<Context>>,
    /// Fired by Terraform's Stop; every request in flight races it.
    cancel: CancellationToken,
    env: fn(&str) -> Option<String>,
    /// Warnings about state taken over from another provider, by resource
    /// type and id, shown by the object's next refresh: Terraform 1.0 drops
    /// the warnings of UpgradeResourceState, but every version shows
    /// ReadResource's.
    adopted: Mutex<HashMap<(String, String), Diagnostic>>,
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
        let resources: BTreeMap<String, _> = resources::RESOURCES
            .iter()
            .map(|r| (r.type_name().to_string(), r.schema()))
            .collect();
        let data_sources: BTreeMap<String, _> = resources::DATA_SOURCES
            .iter()
            .map(|d| (d.type_name().to_string(), d.schema()))
            .collect();
        ClerkProvider {
            schemas: ProviderSchemas {
                provider: config::schema(),
                resources,
                data_sources,
                plan_destroy: true,
            },
            context: RwLock::new(Arc::new(Context::unconfigured())),
            cancel: CancellationToken::new(),
            env,
            adopted: Mutex::new(HashMap::new()),
        }
    }

    fn context(&self) -> Arc<Context> {
        self.context
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn unsupported(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unsupported {kind} type"),
        format!("This provider has no {kind} type named {type_name:?}."),
    )
    .into()
}

fn resource(type_name: &str) -> Result<&'static dyn Resource, Diagnostics> {
    resources::resource(type_name).ok_or_else(|| unsupported("resource", type_name))
}

fn data_source(type_name: &str) -> Result<&'static dyn DataSource, Diagnostics> {
    resources::data_source(type_name).ok_or_else(|| unsupported("data source", type_name))
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
        let options = ReadOptions {
            drift_detection: config.drift_detection,
            stale_read_grace_ms: config.drift_grace.as_millis() as u64,
        };
        let key_source = config.key_source;
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
                let context = Arc::new(Context::new(client, options, key_source));
                *self.context.write().unwrap_or_else(|e| e.into_inner()) = context;
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
        match resource(type_name) {
            Ok(resource) => resource.validate(config),
            Err(diags) => diags,
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match data_source(type_name) {
            Ok(data_source) => data_source.validate(config),
            Err(diags) => diags,
        }
    }

    fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> (Value, Diagnostics) {
        let resource = match resource(type_name) {
            Ok(resource) => resource,
            Err(diags) => return (Value::Null, diags),
        };
        let Some(schema) = self.schemas.resources.get(type_name) else {
            return resource.upgrade(version, raw_json);
        };
        match migrate::recognize(type_name, version, raw_json, schema) {
            None => resource.upgrade(version, raw_json),
            Some(Ok(adopted)) => {
                if let Some(warning) = adopted.warning() {
                    self.adopted
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((type_name.to_string(), adopted.id()), warning);
                }
                (adopted.value, Diagnostics::new())
            }
            Some(Err(problem)) => (
                Value::Null,
                Diagnostic::error(
                    "Stored state could not be read",
                    format!(
                        "The stored state of {type_name} looks like another provider's, but \
                         {problem}. Remove the resource from state with `terraform state rm` \
                         and import it again."
                    ),
                )
                .into(),
            ),
        }
    }

    async fn read_resource(&self, request: ReadRequest) -> ReadResponse {
        let key = (
            request.type_name.clone(),
            request
                .current_state
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        );
        let mut response = match resource(&request.type_name) {
            Ok(resource) => resource.read(&self.context(), request).await,
            Err(diagnostics) => ReadResponse {
                new_state: request.current_state,
                private: request.private,
                diagnostics,
            },
        };
        let adopted = self
            .adopted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        if let Some(warning) = adopted {
            response.diagnostics.push(warning);
        }
        response
    }

    fn plan_resource_change(&self, request: PlanRequest) -> PlanResponse {
        match resource(&request.type_name) {
            Ok(resource) => resource.plan(&request),
            Err(diagnostics) => PlanResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn apply_resource_change(&self, request: ApplyRequest) -> ApplyResponse {
        match resource(&request.type_name) {
            Ok(resource) => resource.apply(&self.context(), request).await,
            Err(diagnostics) => ApplyResponse {
                new_state: request.prior_state,
                private: request.planned_private,
                diagnostics,
            },
        }
    }

    async fn import_resource_state(
        &self,
        type_name: String,
        id: String,
    ) -> (Vec<ImportedResource>, Diagnostics) {
        match resource(&type_name) {
            Ok(resource) => resource.import(&self.context(), id).await,
            Err(diags) => (Vec::new(), diags),
        }
    }

    async fn read_data_source(&self, type_name: String, config: Value) -> (Value, Diagnostics) {
        match data_source(&type_name) {
            Ok(data_source) => data_source.read(&self.context(), config).await,
            Err(diags) => (Value::Null, diags),
        }
    }

    fn implements_moves(&self) -> bool {
        true
    }

    /// Takes over the state of another provider's type (see
    /// `resources::migrate`); every other move is refused.
    async fn move_resource_state(&self, request: MoveRequest) -> MoveResponse {
        let Ok(target) = resource(&request.target_type_name) else {
            return MoveResponse {
                diagnostics: unsupported_move(&request).into(),
                ..MoveResponse::default()
            };
        };
        let Some(schema) = self.schemas.resources.get(target.type_name()) else {
            return MoveResponse {
                diagnostics: unsupported_move(&request).into(),
                ..MoveResponse::default()
            };
        };
        match migrate::moved(&request, schema) {
            None => MoveResponse {
                diagnostics: unsupported_move(&request).into(),
                ..MoveResponse::default()
            },
            Some(Ok(adopted)) => {
                logging::info(
                    "provider",
                    "state moved from another resource type",
                    &[
                        ("from", &request.source_type_name),
                        ("to", &request.target_type_name),
                    ],
                );
                MoveResponse {
                    diagnostics: Diagnostics(adopted.warning().into_iter().collect()),
                    target_state: adopted.value,
                    // Their private state means nothing here.
                    target_private: Vec::new(),
                }
            }
            Some(Err(problem)) => MoveResponse {
                diagnostics: Diagnostic::error(
                    "Cannot move this state",
                    format!(
                        "The {source:?} state of {provider:?} cannot become {target:?}: \
                         {problem}. Nothing was changed. Remove the `moved` block, remove the \
                         old resource from state (`terraform state rm`) and import the object \
                         as {target:?}.",
                        source = request.source_type_name,
                        provider = request.source_provider_address,
                        target = request.target_type_name,
                    ),
                )
                .into(),
                ..MoveResponse::default()
            },
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
