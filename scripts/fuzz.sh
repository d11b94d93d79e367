#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the code that reads
# untrusted bytes: cty msgpack and JSON values, stored state, and Clerk's
# error bodies. The targets live in fuzz/, a crate of its own; see
# docs/fuzzing.md for what each checks and the recorded results. CI does
# not run this; `make fuzz` does.
#
# Installs cargo-fuzz if it is missing, builds every target with debug
# assertions (overflow checks included) and AddressSanitizer, then runs each
# for a fixed number of executions, one after another, and prints a summary.
# Any crash, panic, failed check, single allocation over 256 MiB or input
# slower than 10 s stops the script with the failing input saved under
# fuzz/artifacts/<target>/.
#
# Usage: scripts/fuzz.sh [TARGET...]       (default: all targets)
#   FUZZ_RUNS=N     executions per target (default 3000000)
#   FUZZ_MAX_LEN=N  largest input in bytes (default 4096)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs="${FUZZ_RUNS:-3000000}"
max_len="${FUZZ_MAX_LEN:-4096}"
all_targets=(msgpack_value json_value state_upgrade clerk_error_body)
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=("${all_targets[@]}")
fi

# cargo-fuzz passes -Z flags (sanitizer, coverage instrumentation) to rustc;
# on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz with cargo install" >&2
  cargo install cargo-fuzz --locked
fi

# Build once and run the binaries directly (as `cargo fuzz run` would, with
# its ASAN_OPTIONS), so every target of a run tests the same build.
cargo fuzz build --debug-assertions
bins="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- src Cargo.toml Cargo.lock fuzz/fuzz_targets 2>/dev/null)" ]; then
  revision="$revision plus uncommitted changes"
fi

logs="fuzz/artifacts/logs"
mkdir -p "$logs"
summary="$(printf '%-18s %12s %8s %9s %7s' target executions seconds 'exec/s' corpus)"
total=0
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  log="$logs/$target.log"
  echo "== $target: $runs executions (log: $log)" >&2
  started=$(date +%s)
  # FUZZ_SEED_DIR: the target writes its seed inputs, built from the
  # current schemas, into the corpus before libFuzzer reads it.
  mkdir -p "fuzz/artifacts/$target"
  if ! FUZZ_SEED_DIR="$corpus" "$bins/$target" -artifact_prefix="fuzz/artifacts/$target/" \
      -runs="$runs" -max_len="$max_len" -malloc_limit_mb=256 -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $target FAILED; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  seconds=$(( $(date +%s) - started ))
  executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  files=$(find "$corpus" -type f | wc -l)
  total=$(( total + executed ))
  summary+=$'\n'"$(printf '%-18s %12s %8s %9s %7s' "$target" "$executed" "$seconds" "$per_second" "$files")"
done

echo
echo "$summary"
echo "total executions: $total, no crashes"
echo "source: $revision; machine: $(nproc) CPUs, $(uname -m); $(rustc --version)"
