//! `make bench`: this provider side by side with a Go provider
//! (hashicorp/null 2.1.2), in one run on one machine.
//!
//! Measured for each: time from exec to the go-plugin handshake line with
//! AutoMTLS on, resident memory right after the handshake, binary size, the
//! TLS connection and first Configure of a fresh process, wall time
//! of `terraform plan` (and Terraform's floor, a plan with no provider),
//! the part of it Terraform spends on its own AutoMTLS key, the providers'
//! peak memory and CPU time over a plan, and the latency and throughput of
//! GetSchema and PlanResourceChange through a gRPC client over TLS. The
//! client connects as Terraform does: it starts each provider itself and
//! offers Terraform's certificate, which null requires and ours, seeing its
//! parent connect, does not ask for (docs/hardening.md, "Who may connect").
//! Prints every figure with the ratio ours/Go, and writes the same as a
//! Markdown table. docs/benchmarks.md describes each method.
//!
//! `scripts/bench.sh` builds everything and passes the paths; run with no
//! arguments (as `cargo test --all-targets` does) it does nothing.

mod plugin;
mod rpc;
mod scaling;
mod stats;
mod terraform;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use terraform_provider_clerk::protocol::tfplugin5 as pb;
use terraform_provider_clerk::value::Value;

use plugin::{ClientIdentity, Plugin};
use rpc::{LoadResult, PlanCase};
use terraform::{Bench, Installed};

const GO_NAME: &str = "hashicorp/null 2.1.2";
/// Fresh provider processes for the connection and Configure figures.
const FRESH_STARTS: usize = 11;
/// The secret key the provider sends to the emulator; made up.
const BENCH_KEY: &str = "sk_test_benchmarkKey0123456789";

struct Options {
    ours: PathBuf,
    go: PathBuf,
    terraform: PathBuf,
    emulator: PathBuf,
    out: PathBuf,
    markdown: Option<PathBuf>,
    handshakes: usize,
    plans: usize,
    calls: usize,
    in_flight: usize,
}

const USAGE: &str = "\
usage: providers --ours BIN --go BIN --terraform BIN --emulator BIN --out DIR
                 [--markdown FILE] [--handshakes 31] [--plans 7]
                 [--calls 10000] [--in-flight 8]
       providers --wrap-peak LOG BIN   (used inside the peak-memory mirror)
Run through `make bench` (scripts/bench.sh).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, log, binary] = args.as_slice() {
        if flag == "--wrap-peak" {
            return terraform::wrap_peak(Path::new(log), Path::new(binary));
        }
    }
    // `cargo test --all-targets` runs this with no arguments, `cargo bench`
    // with just `--bench`: measurements only happen through scripts/bench.sh.
    if !args.iter().any(|a| a == "--ours") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(&args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        ours: PathBuf::new(),
        go: PathBuf::new(),
        terraform: PathBuf::new(),
        emulator: PathBuf::new(),
        out: PathBuf::new(),
        markdown: None,
        handshakes: 31,
        plans: 7,
        calls: 10_000,
        in_flight: 8,
    };
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        if flag == "--bench" {
            continue;
        }
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let count = || {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{flag} needs a positive number"))
        };
        match flag.as_str() {
            "--ours" => options.ours = absolute(value)?,
            "--go" => options.go = absolute(value)?,
            "--terraform" => options.terraform = absolute(value)?,
            "--emulator" => options.emulator = absolute(value)?,
            "--out" => options.out = absolute(value)?,
            "--markdown" => options.markdown = Some(absolute(value)?),
            "--handshakes" => options.handshakes = count()?,
            "--plans" => options.plans = count()?,
            "--calls" => options.calls = count()?,
            "--in-flight" => options.in_flight = count()?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    for (name, path) in [
        ("--ours", &options.ours),
        ("--go", &options.go),
        ("--terraform", &options.terraform),
        ("--emulator", &options.emulator),
    ] {
        if !path.is_file() {
            return Err(format!("{name}: no file at {:?}", path.display()));
        }
    }
    if options.out.as_os_str().is_empty() {
        return Err("--out is required".into());
    }
    Ok(options)
}

fn absolute(path: &str) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{path}: {e}"))
}

/// Every figure of one run, ours and Go's.
#[derive(Default)]
struct Results {
    handshake_ms: [f64; 2],
    rss_kb: [f64; 2],
    size_bytes: [u64; 2],
    peak_kb: [f64; 2],
    cpu_per_plan_ms: [f64; 2],
    starts_per_plan: [usize; 2],
    plan_s: [f64; 2],
    floor_s: f64,
    schema: [Option<LoadResult>; 2],
    plan_rpc: [Option<LoadResult>; 2],
    rss_after_rpc_kb: [u64; 2],
    connect_ms: [f64; 2],
    configure_ms: [f64; 2],
    terraform_mtls_ms: [f64; 2],
    schema_bytes: [usize; 2],
}

/// What every phase needs.
struct Setup<'a> {
    options: &'a Options,
    client: ClientIdentity,
    /// Ours first, then Go's.
    binaries: [&'a Path; 2],
    /// Added to every provider's environment (ours reads its key and the
    /// emulator's URL from it; the Go provider ignores it).
    provider_env: Vec<(&'static str, String)>,
    /// The temporary directory, where the providers put their sockets.
    tmp: PathBuf,
}

impl Setup<'_> {
    fn start(&self, i: usize) -> Result<Plugin, String> {
        let env: Vec<(&str, &str)> = self
            .provider_env
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        Plugin::start(self.binaries[i], &self.client, &self.tmp, &env)
    }
}

fn run(options: &Options) -> Result<(), String> {
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("creating {}: {e}", options.out.display()))?;
    let tmp = options.out.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| format!("creating {}: {e}", tmp.display()))?;
    let machine = Machine::read(&options.terraform);
    println!("{}", machine.describe());
    println!(
        "ours: {}\nGo:   {} ({GO_NAME})\n",
        options.ours.display(),
        options.go.display()
    );

    let emulator = Emulator::start(&options.emulator)?;
    let setup = Setup {
        options,
        client: ClientIdentity::terraform_style()?,
        binaries: [options.ours.as_path(), options.go.as_path()],
        provider_env: vec![
            ("CLERK_SECRET_KEY", BENCH_KEY.to_string()),
            ("CLERK_API_URL", emulator.url.clone()),
        ],
        tmp,
    };
    let mut results = Results::default();
    for (i, binary) in setup.binaries.iter().enumerate() {
        results.size_bytes[i] = std::fs::metadata(binary)
            .map_err(|e| format!("{}: {e}", binary.display()))?
            .len();
    }
    handshakes(&setup, &mut results)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    fresh_connections(&setup, &runtime, &mut results)?;
    rpc_load(&setup, &runtime, &mut results)?;
    drop(runtime);
    terraform_plans(&setup, &mut results)?;
    drop(emulator);
    let scaled = scaling_plans(&setup)?;
    let _ = std::fs::remove_dir_all(&setup.tmp);

    let table = report(&results, options);
    println!("\n{}", table.text());
    println!(
        "Reads that scale (clerk-emulator answering {} ms late):\n{}",
        scaling::LATENCY_MS,
        scaling::table(&scaled, false)
    );
    println!("{}", machine.load_now());
    if let Some(path) = &options.markdown {
        let markdown = format!(
            "{}\n\n{}\n\n{}\n",
            machine.markdown(),
            table.markdown(),
            scaling::table(&scaled, true)
        );
        std::fs::write(path, markdown).map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("Markdown written to {}", path.display());
    }
    Ok(())
}

/// Time to the handshake line and resident memory right after it, the two
/// providers taking turns so that both see the same conditions; the first
/// three rounds only warm caches.
fn handshakes(setup: &Setup, results: &mut Results) -> Result<(), String> {
    let runs = setup.options.handshakes;
    println!("handshake: {runs} starts of each with AutoMTLS ...");
    let mut times: [Vec<f64>; 2] = Default::default();
    let mut rss: [Vec<f64>; 2] = Default::default();
    for round in 0..runs + 3 {
        for i in 0..2 {
            let plugin = setup.start(i)?;
            let resident = plugin.status_kb("VmRSS");
            if plugin.server_cert.is_none() {
                return Err(format!(
                    "{} did not answer with a server certificate: AutoMTLS is off",
                    setup.binaries[i].display()
                ));
            }
            if round >= 3 {
                times[i].push(stats::millis(plugin.handshake));
                rss[i].extend(resident.map(|kb| kb as f64));
            }
        }
    }
    for i in 0..2 {
        results.handshake_ms[i] = stats::median(&times[i]).unwrap_or(f64::NAN);
        results.rss_kb[i] = stats::median(&rss[i]).unwrap_or(f64::NAN);
    }
    Ok(())
}

/// The resource each provider plans in the RPC figures.
fn plan_case(i: usize) -> PlanCase {
    if i == 0 {
        PlanCase {
            type_name: "clerk_instance_settings",
            config: vec![
                ("hibp", Value::Bool(true)),
                ("support_email", Value::string("support@example.com")),
                (
                    "allowed_origins",
                    Value::Set(vec![Value::string("https://app.example.com")]),
                ),
            ],
        }
    } else {
        PlanCase {
            type_name: "null_resource",
            config: vec![(
                "triggers",
                Value::Map(
                    [
                        ("hibp", Value::string("true")),
                        ("support_email", Value::string("support@example.com")),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                ),
            )],
        }
    }
}

/// What each provider start costs past the handshake, in fresh processes
/// as Terraform meets them: the TLS connection with the first call,
/// and the first Configure.
fn fresh_connections(
    setup: &Setup,
    runtime: &tokio::runtime::Runtime,
    results: &mut Results,
) -> Result<(), String> {
    println!("fresh processes: {FRESH_STARTS} TLS connections and Configure calls to each ...");
    let mut connects: [Vec<f64>; 2] = Default::default();
    let mut configures: [Vec<f64>; 2] = Default::default();
    for round in 0..FRESH_STARTS + 1 {
        for i in 0..2 {
            let plugin = setup.start(i)?;
            let (connect, configure) = runtime.block_on(async {
                let started = Instant::now();
                let channel = plugin.connect(&setup.client).await?;
                let mut grpc = rpc::Client::new(channel);
                // The first call completes the HTTP/2 set-up; count it in.
                grpc.get_schema(pb::get_provider_schema::Request {})
                    .await
                    .map_err(|e| format!("GetSchema: {e}"))?;
                let connect = started.elapsed();
                let prepared = rpc::prepare(&mut grpc, &plan_case(i)).await?;
                Ok::<_, String>((connect, prepared.configure))
            })?;
            if round >= 1 {
                connects[i].push(stats::millis(connect));
                configures[i].push(stats::millis(configure));
            }
        }
    }
    for i in 0..2 {
        results.connect_ms[i] = stats::median(&connects[i]).unwrap_or(f64::NAN);
        results.configure_ms[i] = stats::median(&configures[i]).unwrap_or(f64::NAN);
    }
    Ok(())
}

/// RPC latency and throughput over one TLS connection each.
fn rpc_load(
    setup: &Setup,
    runtime: &tokio::runtime::Runtime,
    results: &mut Results,
) -> Result<(), String> {
    let (calls, in_flight) = (setup.options.calls, setup.options.in_flight);
    for i in 0..2 {
        println!(
            "rpc: {calls} GetSchema and {calls} PlanResourceChange calls, {in_flight} in flight, to {} ...",
            side(i)
        );
        let plugin = setup.start(i)?;
        let (schema, plan, schema_bytes) = runtime.block_on(async {
            let channel = plugin.connect(&setup.client).await?;
            let mut grpc = rpc::Client::new(channel)
                .max_decoding_message_size(64 << 20)
                .max_encoding_message_size(64 << 20);
            let prepared = rpc::prepare(&mut grpc, &plan_case(i)).await?;
            let schema = rpc::load(&grpc, &rpc::Call::GetSchema, calls, in_flight).await?;
            let plan = rpc::load(&grpc, &prepared.plan, calls, in_flight).await?;
            Ok::<_, String>((schema, plan, prepared.schema_bytes))
        })?;
        results.schema_bytes[i] = schema_bytes;
        results.schema[i] = Some(schema);
        results.plan_rpc[i] = Some(plan);
        results.rss_after_rpc_kb[i] = plugin.status_kb("VmRSS").unwrap_or(0);
    }
    Ok(())
}

/// `terraform plan` with one resource of each provider and with none;
/// then traced plans for Terraform's own AutoMTLS work, and wrapped plans
/// for the providers' peak memory and CPU time.
/// Our provider as Terraform installs it, with a small configuration.
fn ours_installed(options: &Options) -> Installed {
    Installed {
        local_name: "clerk",
        source: "terraform.local/clerk/clerk",
        hostname: "terraform.local",
        namespace: "clerk",
        type_name: "clerk",
        version: env!("CARGO_PKG_VERSION").to_string(),
        file_name: format!("terraform-provider-clerk_v{}", env!("CARGO_PKG_VERSION")),
        binary: options.ours.clone(),
        body: "provider \"clerk\" {}\n\nresource \"clerk_instance_settings\" \"this\" {\n  hibp          = true\n  support_email = \"support@example.com\"\n}",
    }
}

/// Plans of configurations managing many objects, against an emulator of
/// their own that answers late; see `scaling`.
fn scaling_plans(setup: &Setup) -> Result<Vec<scaling::Outcome>, String> {
    let options = setup.options;
    println!(
        "reads that scale: plans of examples/whole-instance and 300 allow-list identifiers, {} ms per request ...",
        scaling::LATENCY_MS
    );
    let emulator = Emulator::start(&options.emulator)?;
    let env = vec![
        ("CLERK_SECRET_KEY".to_string(), BENCH_KEY.to_string()),
        ("CLERK_API_URL".to_string(), emulator.url.clone()),
        ("TMPDIR".to_string(), setup.tmp.display().to_string()),
    ];
    let bench = Bench::new(&options.terraform, &options.out, env);
    let ours = ours_installed(options);
    let mirror = bench.mirror("mirror-scaling", &[&ours], false)?;
    let mut scenarios = scaling::whole_instance_scenarios(Path::new(env!("CARGO_MANIFEST_DIR")))?;
    scenarios.push(scaling::allowlist_scenario(300));
    let addr = emulator.url.trim_start_matches("http://").to_string();
    scaling::run(&bench, &mirror, &addr, &scenarios, 3)
}

fn terraform_plans(setup: &Setup, results: &mut Results) -> Result<(), String> {
    let options = setup.options;
    let ours = ours_installed(options);
    let go = Installed {
        local_name: "null",
        // A filesystem mirror serves any source address, so the Go provider
        // is installed under the same local hostname as ours.
        source: "terraform.local/hashicorp/null",
        hostname: "terraform.local",
        namespace: "hashicorp",
        type_name: "null",
        version: "2.1.2".to_string(),
        file_name: options
            .go
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "terraform-provider-null_v2.1.2_x4".to_string()),
        binary: options.go.clone(),
        body: "provider \"null\" {}\n\nresource \"null_resource\" \"this\" {\n  triggers = {\n    hibp          = \"true\"\n    support_email = \"support@example.com\"\n  }\n}",
    };
    let env = setup
        .provider_env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .chain([("TMPDIR".to_string(), setup.tmp.display().to_string())])
        .collect();
    let bench = Bench::new(&options.terraform, &options.out, env);
    println!(
        "terraform plan: init, then {} plans of each and of no provider ...",
        options.plans
    );
    let plain = bench.mirror("mirror", &[&ours, &go], false)?;
    let wrapped = bench.mirror("mirror-peak", &[&ours, &go], true)?;
    let floor = bench.workspace(
        "floor",
        "output \"floor\" {\n  value = \"no provider\"\n}\n",
        &plain,
        None,
    )?;
    let timed = [
        bench.provider_workspace("clerk", &ours, &plain, false)?,
        bench.provider_workspace("null", &go, &plain, false)?,
    ];
    let peaked = [
        bench.provider_workspace("clerk-peak", &ours, &wrapped, true)?,
        bench.provider_workspace("null-peak", &go, &wrapped, true)?,
    ];

    // Taking turns again; the first round only warms caches.
    let mut times: [Vec<f64>; 3] = Default::default();
    for round in 0..options.plans + 1 {
        let floor_time = bench.plan(&floor)?;
        let ours_time = bench.plan(&timed[0])?;
        let go_time = bench.plan(&timed[1])?;
        if round >= 1 {
            times[0].push(ours_time.as_secs_f64());
            times[1].push(go_time.as_secs_f64());
            times[2].push(floor_time.as_secs_f64());
        }
    }
    results.plan_s = [
        stats::median(&times[0]).unwrap_or(f64::NAN),
        stats::median(&times[1]).unwrap_or(f64::NAN),
    ];
    results.floor_s = stats::median(&times[2]).unwrap_or(f64::NAN);

    println!("Terraform's own AutoMTLS set-up: 3 traced plans of each ...");
    for (i, workspace) in timed.iter().enumerate() {
        let mut setups = Vec::new();
        for _ in 0..3 {
            setups.push(stats::millis(bench.plan_mtls_setup(workspace)?));
        }
        results.terraform_mtls_ms[i] = stats::median(&setups).unwrap_or(f64::NAN);
    }

    println!("peak memory and CPU time: 3 wrapped plans of each ...");
    for (i, workspace) in peaked.iter().enumerate() {
        let mut peaks = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..3 {
            let usage = bench.plan_peak(workspace)?;
            results.starts_per_plan[i] = usage.processes;
            peaks.push(usage.peak_kb as f64);
            cpu.push(stats::millis(usage.cpu));
        }
        results.peak_kb[i] = stats::median(&peaks).unwrap_or(f64::NAN);
        results.cpu_per_plan_ms[i] = stats::median(&cpu).unwrap_or(f64::NAN);
    }
    Ok(())
}

fn side(i: usize) -> &'static str {
    if i == 0 {
        "ours"
    } else {
        GO_NAME
    }
}

/// One row: a figure for both, their ratio, and the target if there is one.
struct Row {
    figure: String,
    ours: String,
    go: String,
    ratio: f64,
    target: Option<f64>,
}

struct Table {
    rows: Vec<Row>,
    notes: Vec<String>,
}

fn report(r: &Results, options: &Options) -> Table {
    let mut rows = Vec::new();
    let mut add = |figure: String, ours: f64, go: f64, digits: usize, target: Option<f64>| {
        rows.push(Row {
            figure,
            ours: format!("{ours:.digits$}"),
            go: format!("{go:.digits$}"),
            ratio: ours / go,
            target,
        });
    };
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    let mb = |kb: f64| kb / 1000.0;
    // Start-up.
    add(
        format!(
            "handshake: exec to handshake line, median of {} (ms)",
            options.handshakes
        ),
        r.handshake_ms[0],
        r.handshake_ms[1],
        2,
        Some(0.2),
    );
    add(
        "resident memory after the handshake, VmRSS (MB)".into(),
        mb(r.rss_kb[0]),
        mb(r.rss_kb[1]),
        1,
        Some(0.3),
    );
    add(
        "binary size (MiB)".into(),
        mib(r.size_bytes[0]),
        mib(r.size_bytes[1]),
        2,
        Some(0.4),
    );
    add(
        format!("TLS connect + first GetSchema, fresh process, median of {FRESH_STARTS} (ms)"),
        r.connect_ms[0],
        r.connect_ms[1],
        2,
        None,
    );
    add(
        format!("Configure, first call in a fresh process, median of {FRESH_STARTS} (ms)"),
        r.configure_ms[0],
        r.configure_ms[1],
        2,
        None,
    );
    // terraform plan.
    add(
        format!("terraform plan, median of {} (s)", options.plans),
        r.plan_s[0],
        r.plan_s[1],
        3,
        None,
    );
    let overhead = [r.plan_s[0] - r.floor_s, r.plan_s[1] - r.floor_s];
    add(
        format!(
            "provider overhead: plan minus floor ({:.3} s) (s)",
            r.floor_s
        ),
        overhead[0],
        overhead[1],
        3,
        Some(0.4),
    );
    add(
        "… of which Terraform making its AutoMTLS client key and certificate (s)".into(),
        r.terraform_mtls_ms[0] / 1000.0,
        r.terraform_mtls_ms[1] / 1000.0,
        3,
        None,
    );
    add(
        "… the rest of the provider overhead (s)".into(),
        overhead[0] - r.terraform_mtls_ms[0] / 1000.0,
        overhead[1] - r.terraform_mtls_ms[1] / 1000.0,
        3,
        None,
    );
    add(
        "provider CPU time over a plan, all starts (ms)".into(),
        r.cpu_per_plan_ms[0],
        r.cpu_per_plan_ms[1],
        1,
        None,
    );
    add(
        "peak memory over a plan, largest VmHWM (MB)".into(),
        mb(r.peak_kb[0]),
        mb(r.peak_kb[1]),
        1,
        None,
    );
    // RPCs.
    add(
        "GetSchema response size (bytes)".into(),
        r.schema_bytes[0] as f64,
        r.schema_bytes[1] as f64,
        0,
        None,
    );
    let loads = [
        ("GetSchema", &r.schema),
        ("PlanResourceChange", &r.plan_rpc),
    ];
    for (name, load) in loads {
        if let [Some(ours), Some(go)] = load {
            add(
                format!("{name} latency p50 (ms)"),
                stats::millis(ours.p50),
                stats::millis(go.p50),
                3,
                None,
            );
            add(
                format!("{name} latency p99 (ms)"),
                stats::millis(ours.p99),
                stats::millis(go.p99),
                3,
                None,
            );
            add(
                format!("{name} throughput (calls/s)"),
                ours.per_second,
                go.per_second,
                0,
                None,
            );
        }
    }
    add(
        format!(
            "resident memory after {} RPCs (MB)",
            2 * (options.calls + options.calls.min(200)) + 2
        ),
        r.rss_after_rpc_kb[0] as f64 / 1000.0,
        r.rss_after_rpc_kb[1] as f64 / 1000.0,
        1,
        None,
    );
    let notes = vec![
        format!(
            "Terraform started each provider {} (ours) and {} (Go) times per plan.",
            r.starts_per_plan[0], r.starts_per_plan[1]
        ),
        format!(
            "RPCs: {} calls of each kind, {} in flight, one TLS connection over the unix socket.",
            options.calls, options.in_flight
        ),
    ];
    Table { rows, notes }
}

impl Table {
    fn verdict(row: &Row) -> String {
        match row.target {
            Some(target) if row.ratio <= target => format!("<= {target:.1}: met"),
            Some(target) => format!("<= {target:.1}: MISSED"),
            None => String::new(),
        }
    }

    fn text(&self) -> String {
        let width = self.rows.iter().map(|r| r.figure.len()).max().unwrap_or(0);
        let mut out = format!(
            "{:width$}  {:>10}  {:>10}  {:>8}  target\n",
            "figure", "ours", "Go", "ours/Go"
        );
        for row in &self.rows {
            out.push_str(&format!(
                "{:width$}  {:>10}  {:>10}  {:>8.2}  {}\n",
                row.figure,
                row.ours,
                row.go,
                row.ratio,
                Table::verdict(row)
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("{note}\n"));
        }
        out
    }

    fn markdown(&self) -> String {
        let mut out =
            format!("| Figure | Ours | {GO_NAME} | Ours/Go | Target |\n|---|---:|---:|---:|---|\n");
        for row in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {:.2} | {} |\n",
                row.figure,
                row.ours,
                row.go,
                row.ratio,
                Table::verdict(row)
            ));
        }
        out.push('\n');
        for note in &self.notes {
            out.push_str(&format!("{note}\n"));
        }
        out
    }
}

/// What the numbers came from.
struct Machine {
    cpus: usize,
    cpu_model: String,
    memory: String,
    kernel: String,
    terraform: String,
    load_at_start: String,
}

impl Machine {
    fn read(terraform: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| format!("{:.1} GiB", kb / (1024.0 * 1024.0)))
            .unwrap_or_else(|| "unknown".into());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let terraform = Command::new(terraform)
            .arg("version")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory,
            kernel,
            terraform,
            load_at_start: load_average(),
        }
    }

    fn describe(&self) -> String {
        format!(
            "machine: {} CPUs ({}), {} memory, Linux {}\n{}; load average at start {}",
            self.cpus, self.cpu_model, self.memory, self.kernel, self.terraform, self.load_at_start
        )
    }

    fn load_now(&self) -> String {
        format!(
            "load average at start {}, at end {}",
            self.load_at_start,
            load_average()
        )
    }

    fn markdown(&self) -> String {
        format!(
            "Machine: {} CPUs ({}), {} memory, Linux {}; {}.\nLoad average (1, 5, 15 min) at start {}, at end {}.",
            self.cpus,
            self.cpu_model,
            self.memory,
            self.kernel,
            self.terraform,
            self.load_at_start,
            load_average()
        )
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A running `clerk-emulator` on loopback; killed on drop.
struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start(binary: &Path) -> Result<Emulator, String> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        if !url.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("clerk-emulator did not announce its URL: {line:?}"));
        }
        Ok(Emulator { child, url })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
