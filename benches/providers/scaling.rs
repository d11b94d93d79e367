//! Reads that scale: `terraform plan` of configurations that manage many
//! objects at once (`examples/whole-instance`, with drift detection off and
//! on, and 300 allow-list identifiers), against clerk-emulator answering every request 50 ms late, as a
//! distant Clerk would.
//!
//! For each configuration: the requests one plan sends (all of them, and
//! how many distinct method + path pairs), and the plan's wall time with
//! the latency and without it. The difference is what the latency cost;
//! when reads run concurrently and shared sources are asked once, it stays
//! close to the slowest chain of requests that depend on each other (the
//! Frontend API environment needs the domain first: two requests).

use std::path::Path;
use std::time::Duration;

use serde_json::json;

#[path = "../../tests/support/http.rs"]
#[allow(dead_code)]
mod http;

use crate::stats;
use crate::terraform::Bench;

/// Added to every API request while timing.
pub const LATENCY_MS: u64 = 50;

/// One configuration to plan.
pub struct Scenario {
    pub name: String,
    /// `main.tf`, with the `terraform` block.
    pub config: String,
    /// Requests in the slowest chain of dependent ones, for the report.
    pub chain: usize,
}

/// What one configuration's plans measured.
pub struct Outcome {
    pub name: String,
    pub requests: usize,
    pub distinct: usize,
    pub chain: usize,
    pub with_latency_s: f64,
    pub without_latency_s: f64,
}

fn set_latency(addr: &str, ms: u64) {
    let (status, _) = http::request(
        addr,
        "PUT",
        "/__emulator/config",
        Some(&json!({ "latency_ms": ms })),
    );
    assert!(
        status < 300,
        "setting the emulator's latency failed: {status}"
    );
}

/// The requests received since the last call, as `METHOD path` lines.
fn take_requests(addr: &str) -> Vec<String> {
    let (_, log) = http::request(addr, "GET", "/__emulator/requests", None);
    http::request(addr, "DELETE", "/__emulator/requests", None);
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["method"].as_str().unwrap_or(""),
                        e["path"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Applies each scenario once, then plans it `plans` times with the
/// latency and `plans` times without, taking turns.
pub fn run(
    bench: &Bench,
    cli_config: &Path,
    emulator_addr: &str,
    scenarios: &[Scenario],
    plans: usize,
) -> Result<Vec<Outcome>, String> {
    let mut outcomes = Vec::new();
    for scenario in scenarios {
        set_latency(emulator_addr, 0);
        let workspace = bench.workspace(
            &format!("scaling-{}", scenario.name),
            &scenario.config,
            cli_config,
            None,
        )?;
        bench.run(
            &workspace,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )?;
        take_requests(emulator_addr);
        let mut with = Vec::new();
        let mut without = Vec::new();
        let mut requests = Vec::new();
        for _ in 0..plans {
            set_latency(emulator_addr, LATENCY_MS);
            with.push(bench.plan(&workspace)?.as_secs_f64());
            requests = take_requests(emulator_addr);
            set_latency(emulator_addr, 0);
            without.push(bench.plan(&workspace)?.as_secs_f64());
            take_requests(emulator_addr);
        }
        let mut distinct = requests.clone();
        distinct.sort();
        distinct.dedup();
        outcomes.push(Outcome {
            name: scenario.name.clone(),
            requests: requests.len(),
            distinct: distinct.len(),
            chain: scenario.chain,
            with_latency_s: stats::median(&with).unwrap_or(f64::NAN),
            without_latency_s: stats::median(&without).unwrap_or(f64::NAN),
        });
    }
    Ok(outcomes)
}

/// The whole-instance example with drift detection off and on.
pub fn whole_instance_scenarios(repo: &Path) -> Result<Vec<Scenario>, String> {
    let path = repo.join("examples/whole-instance/main.tf");
    let config =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let on = config.replacen("default     = false", "default     = true", 1);
    if on == config {
        return Err(format!(
            "{} no longer has `default     = false` for drift_detection",
            path.display()
        ));
    }
    Ok(vec![
        Scenario {
            name: "whole-instance".into(),
            config,
            chain: 1,
        },
        Scenario {
            name: "whole-instance-drift".into(),
            config: on,
            chain: 2,
        },
    ])
}

/// `count` allow-list identifiers, each its own resource: refreshing them
/// should cost a shared, paged listing, not one request per identifier.
pub fn allowlist_scenario(count: usize) -> Scenario {
    let mut config = String::from(
        "terraform {\n  required_providers {\n    clerk = {\n      source = \"terraform.local/clerk/clerk\"\n    }\n  }\n}\n\nprovider \"clerk\" {}\n",
    );
    for i in 0..count {
        config.push_str(&format!(
            "\nresource \"clerk_allowlist_identifier\" \"partner_{i}\" {{\n  identifier = \"partner-{i}@example.com\"\n}}\n"
        ));
    }
    Scenario {
        name: format!("allowlist-{count}"),
        config,
        chain: 2,
    }
}

impl Outcome {
    /// Seconds the latency added to one plan.
    pub fn latency_cost_s(&self) -> f64 {
        self.with_latency_s - self.without_latency_s
    }
}

/// The rows for the report, as text and as Markdown.
pub fn table(outcomes: &[Outcome], markdown: bool) -> String {
    let latency = Duration::from_millis(LATENCY_MS);
    let mut out = if markdown {
        format!(
            "| Configuration | Requests per plan | Distinct | Plan, {} ms per request (s) | Plan, no latency (s) | Latency cost (ms) | Slowest chain (ms) |\n|---|---:|---:|---:|---:|---:|---:|\n",
            latency.as_millis()
        )
    } else {
        format!(
            "{:24} {:>8} {:>8} {:>10} {:>10} {:>10} {:>8}\n",
            "configuration", "requests", "distinct", "plan (s)", "no lat (s)", "cost (ms)", "chain"
        )
    };
    for o in outcomes {
        let cost_ms = o.latency_cost_s() * 1000.0;
        let chain_ms = o.chain as u64 * LATENCY_MS;
        if markdown {
            out.push_str(&format!(
                "| `{}` | {} | {} | {:.3} | {:.3} | {:.0} | {} |\n",
                o.name,
                o.requests,
                o.distinct,
                o.with_latency_s,
                o.without_latency_s,
                cost_ms,
                chain_ms
            ));
        } else {
            out.push_str(&format!(
                "{:24} {:>8} {:>8} {:>10.3} {:>10.3} {:>10.0} {:>8}\n",
                o.name,
                o.requests,
                o.distinct,
                o.with_latency_s,
                o.without_latency_s,
                cost_ms,
                chain_ms
            ));
        }
    }
    out
}
