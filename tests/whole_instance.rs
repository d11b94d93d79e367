//! `examples/whole-instance` under real Terraform: every singleton of the
//! instance in one configuration. A plan after apply sends GETs only, and
//! asks each source once however many resources need it (the provider
//! shares reads within one process), with drift detection on and off.

mod support;

use std::collections::BTreeMap;

use support::{Emulator, Workspace};

fn workspace(emulator: &Emulator) -> Workspace {
    let ws = Workspace::new(emulator);
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/whole-instance");
    for entry in std::fs::read_dir(example).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&path, ws.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    ws.init();
    ws
}

/// Requests of the last run, counted by method and path (no query).
fn counted(emulator: &Emulator) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in emulator.requests() {
        let key = format!(
            "{} {}",
            request["method"].as_str().unwrap_or(""),
            request["path"].as_str().unwrap_or("")
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

#[test]
fn a_whole_instance_plan_reads_each_source_once_and_writes_nothing() {
    for drift_detection in [false, true] {
        let emulator = Emulator::start();
        let mut ws = workspace(&emulator);
        ws.set_env("TF_VAR_drift_detection", &drift_detection.to_string());
        ws.apply().assert_ok();
        ws.assert_no_changes();
        emulator.clear_requests();

        let (code, plan) = ws.plan_exit_code();
        assert_eq!(code, 0, "{}", plan.combined());
        let counts = counted(&emulator);
        assert!(
            counts.keys().all(|k| k.starts_with("GET ")),
            "a plan only reads: {counts:?}"
        );
        assert!(
            counts.values().all(|n| *n == 1),
            "each source once per plan (drift detection {drift_detection}): {counts:?}"
        );
        assert!(counts.contains_key("GET /v1/instance"), "{counts:?}");
        assert_eq!(
            counts.keys().any(|k| k.starts_with("GET /fapi/")),
            drift_detection,
            "{counts:?}"
        );
    }
}
