#!/usr/bin/env bash
# Installs the provider where `terraform init` finds it with no extra
# configuration: Terraform's implied local mirror directory,
#
#   $HOME/.terraform.d/plugins/terraform.local/clerk/clerk/<version>/<os>_<arch>/
#       terraform-provider-clerk_v<version>
#
# The version is the one in Cargo.toml; os and arch come from uname. By
# default this builds the release binary first (cargo build --release
# --locked). --no-build installs an existing binary instead: $BINARY, by
# default target/release/terraform-provider-clerk.
#
# Terraform links a working directory's provider to this file and locks
# its checksum, so replacing it with a different build of the same version
# breaks every directory that locked the old one, and re-locking records a
# hash of a local build that no other machine reproduces. So a different
# build of an already installed version is refused unless --force (or
# FORCE=1) is given; reinstalling the same bytes is fine. While changing
# the provider, use dev_overrides (README) instead of reinstalling.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
name="terraform-provider-clerk"
# Where cargo puts what it builds (relative to the checkout, as cargo takes it).
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
source_address="terraform.local/clerk/clerk"

die() { echo "install.sh: $*" >&2; exit 1; }

build=1
force="${FORCE:-0}"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --force) force=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument: $1 (usage: scripts/install.sh [--no-build] [--force])" >&2; exit 2 ;;
  esac
  shift
done

[ -n "${HOME:-}" ] || die "HOME is not set"
version="$(awk -F'"' '/^version = /{print $2; exit}' "$root/Cargo.toml")"
[ -n "$version" ] || die "no version in Cargo.toml"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  FreeBSD) os=freebsd ;;
  OpenBSD) os=openbsd ;;
  *) die "unsupported operating system: $(uname -s)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  i386 | i686) arch=386 ;;
  armv6l | armv7l) arch=arm ;;
  *) die "unsupported architecture: $(uname -m)" ;;
esac

if [ "$build" = 1 ]; then
  echo "==> cargo build --release --locked"
  # shellcheck source=scripts/build-env.sh
  . "$root/scripts/build-env.sh"
  (cd "$root" && cargo build --release --locked --bin "$name")
fi
binary="${BINARY:-$target_dir/release/$name}"
[ -f "$binary" ] || die "no binary at $binary (run without --no-build, or set BINARY)"

reported="$("$binary" --version 2>/dev/null)" || reported=""
reported="${reported%%$'\n'*}"
case "$reported" in
  "$name $version "*) ;;
  *) die "$binary reports \"$reported\", expected $name $version" ;;
esac

dir="$HOME/.terraform.d/plugins/$source_address/$version/${os}_${arch}"
target="$dir/${name}_v$version"
if [ -e "$target" ] && ! cmp -s "$binary" "$target"; then
  if [ "$force" != 1 ]; then
    die "a different build of $name $version is already installed at
    $target
Working directories that locked it would fail terraform init, and a lock
file recorded from a local build matches no release. Keep it, use
dev_overrides while developing (README), or replace it with --force
(FORCE=1 make install) and re-lock the directories that used it."
  fi
  echo "==> --force: replacing the installed build of $name $version"
fi
mkdir -p "$dir"
# Copy next to the target, then rename over it: a provider process that is
# running from the old file keeps running, and no one sees a partial file.
tmp="$(mktemp "$dir/.${name}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
cp "$binary" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$target"
trap - EXIT

cat <<EOF
==> Installed $name $version for ${os}_${arch}:
    $target

Require it in a configuration, then run terraform init:

  terraform {
    required_providers {
      clerk = {
        source  = "$source_address"
        version = "$version"
      }
    }
  }

Commit lock files that record the released artefacts' hashes (zh: from
SHA256SUMS, see README), not the hash of a local build.
EOF
