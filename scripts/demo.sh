#!/usr/bin/env bash
# The demo: build the provider, start the local Clerk stand-in, apply
# examples/quickstart with real Terraform, show what "Clerk" received, show
# that a second plan is empty, and clean everything up.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

echo "==> Building the provider and the emulator"
cargo build --quiet --locked --bins
version="$(awk -F'"' '/^version = /{print $2; exit}' Cargo.toml)"

echo "==> Installing Terraform for the demo (into .tools/)"
scripts/install-tools.sh
terraform="$root/.tools/venv/bin/terraform"

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A made-up development key: the emulator accepts any well-formed one.
export CLERK_SECRET_KEY="sk_test_demoKey0123456789"

echo "==> Starting clerk-emulator on loopback"
target/debug/clerk-emulator --listen 127.0.0.1:0 --quiet >"$work/emulator.out" &
emulator_pid=$!
for _ in $(seq 1 100); do
  grep -q listening "$work/emulator.out" 2>/dev/null && break
  sleep 0.05
done
url="$(awk '/listening/ {print $NF}' "$work/emulator.out")"
[ -n "$url" ] || { echo "the emulator did not start" >&2; exit 1; }
export CLERK_API_URL="$url"
echo "    $url"

# Install the freshly built provider into a private filesystem mirror.
mirror="$work/mirror/terraform.local/clerk/clerk/$version/linux_amd64"
mkdir -p "$mirror"
cp target/debug/terraform-provider-clerk "$mirror/terraform-provider-clerk_v$version"
cat >"$work/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["terraform.local/*/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

cp -r examples/quickstart "$work/quickstart"
cd "$work/quickstart"

echo "==> terraform init"
"$terraform" init -input=false -no-color >/dev/null
echo "==> terraform apply"
"$terraform" apply -auto-approve -input=false -no-color

echo "==> What the Clerk stand-in received"
python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
  "$url/__emulator/requests" >"$work/requests.json"
python3 - "$work/requests.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    body = "" if r.get("body") is None else " " + json.dumps(r["body"], sort_keys=True)
    print(f"    {r['method']:5} {r['path']} -> {r['status']}{body}")
PY

echo "==> A second plan shows nothing to do"
"$terraform" plan -input=false -no-color -detailed-exitcode | tail -n 3
echo "==> Done; the emulator and the temporary directory are removed."
