//! The `tfplugin5.Provider` service: one method per RPC, each decoding its
//! request, calling the provider with panics contained, and encoding the
//! answer.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use tonic::{Request, Response, Status};

use super::convert::{self, decode_value, encode_value};
use super::tfplugin5 as pb;
use crate::framework::{
    ApplyRequest, Diagnostic, Diagnostics, MoveRequest, PlanRequest, Provider, ReadRequest, Schema,
};
use crate::logging;
use crate::value::Type;

pub use pb::provider_server;

/// Serves one provider implementation over tfplugin5.
pub struct ProviderService<P> {
    provider: Arc<P>,
    /// Built once: the schema never changes during the process's life.
    schema_response: pb::get_provider_schema::Response,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> ProviderService<P> {
        let schemas = provider.schemas();
        let schema_response = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&schemas.provider)),
            resource_schemas: schemas
                .resources
                .iter()
                .map(|(name, schema)| (name.clone(), convert::schema(schema)))
                .collect(),
            data_source_schemas: schemas
                .data_sources
                .iter()
                .map(|(name, schema)| (name.clone(), convert::schema(schema)))
                .collect(),
            diagnostics: Vec::new(),
            provider_meta: None,
            server_capabilities: Some(pb::ServerCapabilities {
                plan_destroy: schemas.plan_destroy,
                move_resource_state: provider.implements_moves(),
            }),
            functions: Default::default(),
        };
        ProviderService {
            provider: Arc::new(provider),
            schema_response,
        }
    }

    /// The gRPC server for this service, with message limits raised.
    pub fn into_server(self) -> provider_server::ProviderServer<Self> {
        provider_server::ProviderServer::new(self)
            .max_decoding_message_size(super::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(super::MAX_MESSAGE_SIZE)
    }

    fn resource_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        self.provider
            .schemas()
            .resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn data_source_schema(&self, type_name: &str) -> Result<&Schema, Diagnostic> {
        self.provider
            .schemas()
            .data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

    fn provider_type(&self) -> Type {
        self.provider.schemas().provider.value_type()
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unsupported {kind} type"),
        format!(
            "This provider has no {kind} type named {type_name:?}. \
             Check the type name in the configuration against the provider's documentation."
        ),
    )
}

/// Runs one RPC's work with panics contained: a panic becomes an error
/// diagnostic that names the RPC, and the process keeps serving.
async fn guarded<T>(rpc: &'static str, work: impl Future<Output = T>) -> Result<T, Diagnostic> {
    let started = Instant::now();
    logging::trace("rpc", "received request", &[("tf_rpc", &rpc)]);
    let outcome = AssertUnwindSafe(work).catch_unwind().await;
    let elapsed_ms = started.elapsed().as_millis();
    match outcome {
        Ok(value) => {
            logging::trace(
                "rpc",
                "served request",
                &[("tf_rpc", &rpc), ("elapsed_ms", &elapsed_ms)],
            );
            Ok(value)
        }
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            logging::error(
                "rpc",
                "handler panicked",
                &[("tf_rpc", &rpc), ("panic", &message)],
            );
            Err(Diagnostic::error(
                format!("Provider internal error in {rpc}"),
                format!(
                    "The provider hit an unexpected internal error while handling {rpc} \
                     and stopped that operation; nothing else was affected. \
                     Please report this as a bug, including this message: {}",
                    logging::redact(&message)
                ),
            ))
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

fn one(diagnostic: Diagnostic) -> Vec<pb::Diagnostic> {
    convert::diagnostics(Diagnostics::from(diagnostic))
}

#[tonic::async_trait]
impl<P: Provider> provider_server::Provider for ProviderService<P> {
    async fn get_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn prepare_provider_config(
        &self,
        request: Request<pb::prepare_provider_config::Request>,
    ) -> Result<Response<pb::prepare_provider_config::Response>, Status> {
        let request = request.into_inner();
        let ty = self.provider_type();
        let result = guarded("PrepareProviderConfig", async {
            let config = decode_value(request.config.as_ref(), &ty, "provider configuration")?;
            Ok::<_, Diagnostic>(self.provider.validate_provider_config(&config))
        })
        .await
        .and_then(|inner| inner);
        let diagnostics = match result {
            Ok(diags) => convert::diagnostics(diags),
            Err(diag) => one(diag),
        };
        // Terraform ignores the prepared config; echoing it is the
        // conventional answer.
        Ok(Response::new(pb::prepare_provider_config::Response {
            prepared_config: request.config,
            diagnostics,
        }))
    }

    async fn validate_resource_type_config(
        &self,
        request: Request<pb::validate_resource_type_config::Request>,
    ) -> Result<Response<pb::validate_resource_type_config::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ValidateResourceTypeConfig", async {
            let schema = self.resource_schema(&request.type_name)?;
            let config = decode_value(
                request.config.as_ref(),
                &schema.value_type(),
                "resource configuration",
            )?;
            Ok::<_, Diagnostic>(
                self.provider
                    .validate_resource_config(&request.type_name, &config),
            )
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(pb::validate_resource_type_config::Response {
            diagnostics: match result {
                Ok(diags) => convert::diagnostics(diags),
                Err(diag) => one(diag),
            },
        }))
    }

    async fn validate_data_source_config(
        &self,
        request: Request<pb::validate_data_source_config::Request>,
    ) -> Result<Response<pb::validate_data_source_config::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ValidateDataSourceConfig", async {
            let schema = self.data_source_schema(&request.type_name)?;
            let config = decode_value(
                request.config.as_ref(),
                &schema.value_type(),
                "data source configuration",
            )?;
            Ok::<_, Diagnostic>(
                self.provider
                    .validate_data_source_config(&request.type_name, &config),
            )
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(pb::validate_data_source_config::Response {
            diagnostics: match result {
                Ok(diags) => convert::diagnostics(diags),
                Err(diag) => one(diag),
            },
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("UpgradeResourceState", async {
            let schema = self.resource_schema(&request.type_name)?;
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "This state was written in the flat format of Terraform 0.11 and earlier, \
                     which this provider never produced. Remove the resource from state with \
                     `terraform state rm` and import it again.",
                ));
            }
            let (value, diags) = self.provider.upgrade_resource_state(
                &request.type_name,
                request.version,
                &raw.json,
            );
            if diags.has_errors() {
                return Ok((None, diags));
            }
            let encoded = encode_value(&value, &schema.value_type(), "upgraded state")?;
            Ok((Some(encoded), diags))
        })
        .await
        .and_then(|inner| inner);
        let (upgraded_state, diagnostics) = match result {
            Ok((state, diags)) => (state, convert::diagnostics(diags)),
            Err(diag) => (None, one(diag)),
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics,
        }))
    }

    async fn configure(
        &self,
        request: Request<pb::configure::Request>,
    ) -> Result<Response<pb::configure::Response>, Status> {
        let request = request.into_inner();
        let ty = self.provider_type();
        let result = guarded("Configure", async {
            let config = decode_value(request.config.as_ref(), &ty, "provider configuration")?;
            Ok::<_, Diagnostic>(
                self.provider
                    .configure(request.terraform_version, config)
                    .await,
            )
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(pb::configure::Response {
            diagnostics: match result {
                Ok(diags) => convert::diagnostics(diags),
                Err(diag) => one(diag),
            },
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ReadResource", async {
            let ty = self.resource_schema(&request.type_name)?.value_type();
            let current_state = decode_value(request.current_state.as_ref(), &ty, "current state")?;
            let response = self
                .provider
                .read_resource(ReadRequest {
                    type_name: request.type_name.clone(),
                    current_state,
                    private: request.private.clone(),
                })
                .await;
            let new_state = encode_value(&response.new_state, &ty, "refreshed state")?;
            Ok((new_state, response))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((new_state, response)) => pb::read_resource::Response {
                new_state: Some(new_state),
                diagnostics: convert::diagnostics(response.diagnostics),
                private: response.private,
            },
            // Keep what Terraform had: echo the state and private data.
            Err(diag) => pb::read_resource::Response {
                new_state: request.current_state,
                diagnostics: one(diag),
                private: request.private,
            },
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("PlanResourceChange", async {
            let ty = self.resource_schema(&request.type_name)?.value_type();
            let prior_state = decode_value(request.prior_state.as_ref(), &ty, "prior state")?;
            let proposed_new_state = decode_value(
                request.proposed_new_state.as_ref(),
                &ty,
                "proposed new state",
            )?;
            let config = decode_value(request.config.as_ref(), &ty, "configuration")?;
            let response = self.provider.plan_resource_change(PlanRequest {
                type_name: request.type_name.clone(),
                prior_state,
                proposed_new_state,
                config,
                prior_private: request.prior_private.clone(),
            });
            let planned = encode_value(&response.planned_state, &ty, "planned state")?;
            Ok((planned, response))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((planned, response)) => pb::plan_resource_change::Response {
                planned_state: Some(planned),
                requires_replace: response
                    .requires_replace
                    .into_iter()
                    .map(convert::attribute_path)
                    .collect(),
                planned_private: response.planned_private,
                diagnostics: convert::diagnostics(response.diagnostics),
                legacy_type_system: false,
            },
            Err(diag) => pb::plan_resource_change::Response {
                diagnostics: one(diag),
                ..Default::default()
            },
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ApplyResourceChange", async {
            let ty = self.resource_schema(&request.type_name)?.value_type();
            let prior_state = decode_value(request.prior_state.as_ref(), &ty, "prior state")?;
            let planned_state = decode_value(request.planned_state.as_ref(), &ty, "planned state")?;
            let config = decode_value(request.config.as_ref(), &ty, "configuration")?;
            let response = self
                .provider
                .apply_resource_change(ApplyRequest {
                    type_name: request.type_name.clone(),
                    prior_state,
                    planned_state,
                    config,
                    planned_private: request.planned_private.clone(),
                })
                .await;
            let new_state = encode_value(&response.new_state, &ty, "new state")?;
            Ok((new_state, response))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((new_state, response)) => pb::apply_resource_change::Response {
                new_state: Some(new_state),
                private: response.private,
                diagnostics: convert::diagnostics(response.diagnostics),
                legacy_type_system: false,
            },
            // Nothing was applied that we know of: hand back the prior state
            // so Terraform keeps it.
            Err(diag) => pb::apply_resource_change::Response {
                new_state: request.prior_state,
                private: request.planned_private,
                diagnostics: one(diag),
                legacy_type_system: false,
            },
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ImportResourceState", async {
            self.resource_schema(&request.type_name)?;
            let (imported, diags) = self
                .provider
                .import_resource_state(request.type_name.clone(), request.id.clone())
                .await;
            let mut encoded = Vec::with_capacity(imported.len());
            for resource in imported {
                let ty = self.resource_schema(&resource.type_name)?.value_type();
                encoded.push(pb::import_resource_state::ImportedResource {
                    state: Some(encode_value(&resource.state, &ty, "imported state")?),
                    type_name: resource.type_name,
                    private: resource.private,
                });
            }
            Ok((encoded, diags))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((imported_resources, diags)) => pb::import_resource_state::Response {
                imported_resources,
                diagnostics: convert::diagnostics(diags),
            },
            Err(diag) => pb::import_resource_state::Response {
                imported_resources: Vec::new(),
                diagnostics: one(diag),
            },
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("ReadDataSource", async {
            let ty = self.data_source_schema(&request.type_name)?.value_type();
            let config = decode_value(request.config.as_ref(), &ty, "data source configuration")?;
            let (state, diags) = self
                .provider
                .read_data_source(request.type_name.clone(), config)
                .await;
            if diags.has_errors() {
                return Ok((None, diags));
            }
            Ok((Some(encode_value(&state, &ty, "data source state")?), diags))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((state, diags)) => pb::read_data_source::Response {
                state,
                diagnostics: convert::diagnostics(diags),
            },
            Err(diag) => pb::read_data_source::Response {
                state: None,
                diagnostics: one(diag),
            },
        }))
    }

    /// Identity (protocol 5.9) is not implemented. Terraform and OpenTofu
    /// call this within every schema load and take UNIMPLEMENTED as "no
    /// identity schemas"; an error diagnostic here would fail the load
    /// (fatal since Terraform 1.12.1), so the answer is the plain status.
    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Err(Status::unimplemented(
            "GetResourceIdentitySchemas: this provider declares no resource identities",
        ))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        let result = guarded("MoveResourceState", async {
            let ty = self
                .resource_schema(&request.target_type_name)?
                .value_type();
            let raw = request.source_state.unwrap_or_default();
            if raw.json.is_empty() && !raw.flatmap.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    format!(
                        "The {:?} state to move was written in the flat format of \
                         Terraform 0.11 and earlier, which this provider cannot read. \
                         Remove the `moved` block and import the object instead.",
                        request.source_type_name
                    ),
                ));
            }
            let response = self
                .provider
                .move_resource_state(MoveRequest {
                    source_provider_address: request.source_provider_address,
                    source_type_name: request.source_type_name,
                    source_schema_version: request.source_schema_version,
                    source_state_json: raw.json,
                    source_private: request.source_private,
                    target_type_name: request.target_type_name,
                })
                .await;
            if response.diagnostics.has_errors() {
                return Ok((None, Vec::new(), response.diagnostics));
            }
            let state = encode_value(&response.target_state, &ty, "moved state")?;
            Ok((Some(state), response.target_private, response.diagnostics))
        })
        .await
        .and_then(|inner| inner);
        Ok(Response::new(match result {
            Ok((target_state, target_private, diags)) => pb::move_resource_state::Response {
                target_state,
                target_private,
                diagnostics: convert::diagnostics(diags),
                target_identity: None,
            },
            Err(diag) => pb::move_resource_state::Response {
                diagnostics: one(diag),
                ..Default::default()
            },
        }))
    }

    /// OpenTofu (1.7 and later) asks for the provider's functions when a
    /// configuration calls `provider::<name>::<function>`; answering with
    /// none lets it report the function as not found.
    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let name = request.into_inner().name;
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!(
                    "This provider defines no functions, so there is no function named {name:?}. \
                     Check the function name in the configuration."
                ),
                function_argument: None,
            }),
        }))
    }

    async fn stop(
        &self,
        _request: Request<pb::stop::Request>,
    ) -> Result<Response<pb::stop::Response>, Status> {
        let outcome = guarded("Stop", async { self.provider.stop() }).await;
        Ok(Response::new(pb::stop::Response {
            error: match outcome {
                Ok(()) => String::new(),
                Err(diag) => diag.summary,
            },
        }))
    }
}
