#!/usr/bin/env bash
# `make bench`: this provider side by side with a Go provider (hashicorp/null
# 2.1.2, from a Python package), in one run on this machine. Measures
# start-up to the handshake with AutoMTLS, resident and peak memory, binary
# size, `terraform plan` wall time against Terraform's own floor, and RPC
# latency and throughput; prints every figure with the ratio ours/Go and
# writes them as Markdown to target/bench/results.md. See docs/benchmarks.md.
#
# Only loopback traffic: Terraform installs both providers from filesystem
# mirrors, and our provider talks to clerk-emulator on 127.0.0.1.
#
# Extra arguments go to the benchmark program, e.g.
#   scripts/bench.sh --handshakes 51 --plans 11
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo="${CARGO:-cargo}"
out="$root/target/bench"

scripts/install-tools.sh --bench
go_provider="$(ls "$root"/.tools/venv/lib/terraform-provider-null_v2.1.2_* 2>/dev/null | sed -n 1p)"
if [ ! -x "$go_provider" ]; then
  echo "bench: the hashicorp/null 2.1.2 binary is missing from .tools/venv/lib" >&2
  exit 1
fi

# The benchmark program first: building it unifies the dev-dependencies'
# features into the binaries it builds alongside, so the release binaries
# are built (restored) afterwards, exactly as `make build` makes them.
echo "bench: building the benchmark program" >&2
bench_exe="$(
  "$cargo" bench --locked --bench providers --no-run --message-format=json |
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == "providers":
        print(message["executable"])
'
)"
if [ -z "$bench_exe" ] || [ ! -x "$bench_exe" ]; then
  # Show the build's own output to explain why.
  "$cargo" bench --locked --bench providers --no-run >&2
  echo "bench: could not find the benchmark executable" >&2
  exit 1
fi
echo "bench: building the release binaries" >&2
"$cargo" build --release --locked --bins

# Measure copies, so a build running elsewhere cannot swap them mid-run.
rm -rf "$out"
mkdir -p "$out/bin"
cp target/release/terraform-provider-clerk target/release/clerk-emulator "$out/bin/"

"$bench_exe" \
  --ours "$out/bin/terraform-provider-clerk" \
  --go "$go_provider" \
  --terraform "$root/.tools/venv/bin/terraform" \
  --emulator "$out/bin/clerk-emulator" \
  --out "$out" \
  --markdown "$out/results.md" \
  "$@"
