//! RPC latency and throughput: many calls, a fixed number in flight, over
//! one connection (HTTP/2 multiplexed, as Terraform's client does).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::{msgpack, Type, Value};
use tonic::transport::Channel;

use crate::stats;

pub type Client = pb::provider_client::ProviderClient<Channel>;

/// What one resource plan looks like for a provider: the resource type and
/// its configuration as attribute values (the others are null).
pub struct PlanCase {
    pub type_name: &'static str,
    pub config: Vec<(&'static str, Value)>,
}

/// Latency percentiles and throughput of one run.
#[derive(Debug, Clone, Copy)]
pub struct LoadResult {
    pub p50: Duration,
    pub p99: Duration,
    pub per_second: f64,
}

/// One call, chosen once and repeated.
#[derive(Clone)]
pub enum Call {
    GetSchema,
    Plan(Box<pb::plan_resource_change::Request>),
}

impl Call {
    async fn send(&self, client: &mut Client) -> Result<Vec<pb::Diagnostic>, tonic::Status> {
        match self {
            Call::GetSchema => Ok(client
                .get_schema(pb::get_provider_schema::Request {})
                .await?
                .into_inner()
                .diagnostics),
            Call::Plan(request) => Ok(client
                .plan_resource_change(request.as_ref().clone())
                .await?
                .into_inner()
                .diagnostics),
        }
    }
}

/// The object type of a schema's attributes (the providers measured here
/// have no nested blocks in the parts used).
fn schema_type(schema: Option<&pb::Schema>) -> Result<Type, String> {
    let block = schema
        .and_then(|s| s.block.as_ref())
        .ok_or("schema without a block")?;
    let mut attributes = BTreeMap::new();
    for attribute in &block.attributes {
        let ty = Type::from_json(&attribute.r#type)
            .map_err(|e| format!("attribute {}: {e}", attribute.name))?;
        attributes.insert(attribute.name.clone(), ty);
    }
    Ok(Type::Object(attributes))
}

fn dynamic(value: &Value, ty: &Type) -> Result<Option<pb::DynamicValue>, String> {
    let msgpack = msgpack::encode(value, ty).map_err(|e| format!("encoding a value: {e}"))?;
    Ok(Some(pb::DynamicValue {
        msgpack,
        json: Vec::new(),
    }))
}

fn check(what: &str, diagnostics: &[pb::Diagnostic]) -> Result<(), String> {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", errors.join("; ")))
    }
}

/// A provider ready for the plan calls.
pub struct Prepared {
    /// PlanResourceChange for a create of the case's resource.
    pub plan: Call,
    /// How long Configure took.
    pub configure: Duration,
    /// The size of the GetSchema response, encoded.
    pub schema_bytes: usize,
}

/// Reads the schema, configures the provider with an empty configuration
/// (ours takes its settings from the environment) and builds the
/// PlanResourceChange request for a create of `case`.
pub async fn prepare(client: &mut Client, case: &PlanCase) -> Result<Prepared, String> {
    let schema = client
        .get_schema(pb::get_provider_schema::Request {})
        .await
        .map_err(|e| format!("GetSchema: {e}"))?
        .into_inner();
    check("GetSchema", &schema.diagnostics)?;
    let schema_bytes = prost::Message::encoded_len(&schema);
    let provider_ty = schema_type(schema.provider.as_ref())?;
    let resource_ty = schema_type(schema.resource_schemas.get(case.type_name))?;
    let started = Instant::now();
    let configured = client
        .configure(pb::configure::Request {
            terraform_version: "1.0.3".into(),
            config: dynamic(&Value::Object(BTreeMap::new()), &provider_ty)?,
        })
        .await
        .map_err(|e| format!("Configure: {e}"))?
        .into_inner();
    let configure = started.elapsed();
    check("Configure", &configured.diagnostics)?;

    // As Terraform sends a create: no prior state, and the proposed new
    // state equal to the configuration (computed attributes still null).
    let config = Value::object(case.config.iter().cloned());
    let config = dynamic(&config, &resource_ty)?;
    let request = pb::plan_resource_change::Request {
        type_name: case.type_name.to_string(),
        prior_state: Some(pb::DynamicValue {
            msgpack: vec![0xc0],
            json: Vec::new(),
        }),
        proposed_new_state: config.clone(),
        config,
        prior_private: Vec::new(),
        provider_meta: None,
    };
    let call = Call::Plan(Box::new(request));
    let diagnostics = call
        .send(client)
        .await
        .map_err(|e| format!("PlanResourceChange: {e}"))?;
    check("PlanResourceChange", &diagnostics)?;
    Ok(Prepared {
        plan: call,
        configure,
        schema_bytes,
    })
}

/// Makes `calls` calls with `in_flight` outstanding at any time, after a
/// short warm-up, and returns the latency percentiles and the throughput.
pub async fn load(
    client: &Client,
    call: &Call,
    calls: usize,
    in_flight: usize,
) -> Result<LoadResult, String> {
    run(client, call, calls.min(200), in_flight).await?;
    let started = Instant::now();
    let mut latencies = run(client, call, calls, in_flight).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(LoadResult {
        p50: stats::percentile(&latencies, 50.0),
        p99: stats::percentile(&latencies, 99.0),
        per_second: calls as f64 / elapsed.as_secs_f64(),
    })
}

async fn run(
    client: &Client,
    call: &Call,
    calls: usize,
    in_flight: usize,
) -> Result<Vec<Duration>, String> {
    let next = AtomicUsize::new(0);
    let workers = (0..in_flight).map(|_| {
        let mut client = client.clone();
        let next = &next;
        async move {
            let mut latencies = Vec::with_capacity(calls / in_flight + 1);
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let started = Instant::now();
                call.send(&mut client)
                    .await
                    .map_err(|e| format!("call failed under load: {e}"))?;
                latencies.push(started.elapsed());
            }
            Ok::<_, String>(latencies)
        }
    });
    let mut all = Vec::with_capacity(calls);
    for latencies in futures_util::future::join_all(workers).await {
        all.extend(latencies?);
    }
    Ok(all)
}
