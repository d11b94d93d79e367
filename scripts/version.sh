#!/usr/bin/env bash
# Sets the provider's version in one step (`make version V=x.y.z`):
#
#   Cargo.toml    version of the package
#   Cargo.lock    the package's own entry, so `cargo build --locked` and
#                 `make release` keep working
#   CHANGELOG.md  the "Unreleased" section becomes "[x.y.z] - <today>",
#                 under a new, empty "Unreleased"
#   README.md, docs/, examples/
#                 the provider version constraint, version = "~> x.y.z"
#
# Run it on a clean tree and commit the three files together. $ROOT (default:
# this checkout) names another tree to work on. tests/release.rs checks that
# the three agree.
set -euo pipefail

root="${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
die() { echo "version.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: scripts/version.sh x.y.z (or make version V=x.y.z)"
new="$1"
[[ "$new" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]] ||
  die "\"$new\" is not a semantic version such as 1.2.3 or 1.2.3-rc.1"

python3 - "$root" "$new" "${CHANGELOG_DATE:-$(date -u +%Y-%m-%d)}" <<'PY'
import os
import re
import sys

root, new, today = sys.argv[1:4]
name = "terraform-provider-clerk"


def rewrite(path, change):
    with open(path) as f:
        text = f.read()
    changed = change(text)
    with open(path, "w") as f:
        f.write(changed)


def cargo_toml(text):
    package = re.search(r"(?ms)^\[package\]\n.*?(?=^\[|\Z)", text)
    line = re.search(r'(?m)^version = "([^"]*)"$', package.group(0))
    if not line:
        sys.exit("version.sh: no version in the [package] of Cargo.toml")
    global old
    old = line.group(1)
    start = package.start() + line.start(1)
    return text[:start] + new + text[package.start() + line.end(1):]


def cargo_lock(text):
    entry = f'[[package]]\nname = "{name}"\nversion = "'
    at = text.find(entry)
    if at < 0:
        sys.exit(f"version.sh: no {name} package in Cargo.lock")
    start = at + len(entry)
    end = text.index('"', start)
    return text[:start] + new + text[end:]


def changelog(text):
    if re.search(r"(?m)^## \[" + re.escape(new) + r"\]", text):
        sys.exit(f"version.sh: CHANGELOG.md already has a section for {new}")
    heading = "\n## [Unreleased]\n"
    at = text.find(heading)
    if at < 0:
        sys.exit("version.sh: CHANGELOG.md has no \"## [Unreleased]\" section")
    return text[:at] + f"{heading}\n## [{new}] - {today}\n" + text[at + len(heading):]


rewrite(f"{root}/Cargo.toml", cargo_toml)
rewrite(f"{root}/Cargo.lock", cargo_lock)
rewrite(f"{root}/CHANGELOG.md", changelog)

# The one constraint style of README, docs and examples (docs-templates
# say {{version}} and need nothing).
constraint = re.compile(r'(?m)^(\s*version\s*=\s*"~> )' + re.escape(old) + '"')
others = [os.path.join(root, "README.md")]
for top in ("docs", "examples"):
    for dirpath, _, filenames in os.walk(os.path.join(root, top)):
        others += [os.path.join(dirpath, f) for f in filenames if f.endswith((".md", ".tf"))]
for path in others:
    if os.path.isfile(path):
        rewrite(path, lambda text: constraint.sub(lambda m: m.group(1) + new + '"', text))
print(f"==> {name} {old} -> {new}: Cargo.toml, Cargo.lock, CHANGELOG.md and the version constraints")
PY
