#!/usr/bin/env bash
# Release artefacts in the layout the Terraform Registry and provider mirrors
# expect, written to dist/ (or $DIST):
#
#   terraform-provider-clerk_<version>_<os>_<arch>.zip   one per platform, holding
#                                                        terraform-provider-clerk_v<version>
#   terraform-provider-clerk_<version>_manifest.json     plugin protocol versions
#   terraform-provider-clerk_<version>_SHA256SUMS        checksums of the files above
#   terraform-provider-clerk_<version>_SHA256SUMS.sig    with GPG_FINGERPRINT set: a
#                                                        detached signature, as registries require
#
# The version is the one in Cargo.toml. By default this builds the release
# binary (cargo build --release --locked) for each Rust target in $TARGETS
# (default: the host; add others only if their toolchain and linker work
# here). --no-build packages an existing binary instead: $BINARY (default
# target/release/terraform-provider-clerk) for the host platform, or for
# $PLATFORM (e.g. linux_arm64) if it was cross-built.
#
# Zips are reproducible: fixed entry order, mode 0755, and timestamps from
# $SOURCE_DATE_EPOCH (default: the last commit's time), so the same binary
# always gives the same checksums. Python 3's zipfile makes them, so no zip
# binary is needed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
name="terraform-provider-clerk"
protocol="5.0"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  echo "usage: scripts/release.sh [--no-build]"
}

build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "release.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

die() { echo "release.sh: $*" >&2; exit 1; }

version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
[ -n "$version" ] || die "no version in Cargo.toml"
dist="${DIST:-$root/dist}"
command -v python3 >/dev/null || die "python3 is needed to write the zips"

# Terraform's name for the platform of a Rust target triple.
platform_of() {
  local os arch
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-freebsd) os=freebsd ;;
    *) return 1 ;;
  esac
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    i686-* | i586-*) arch=386 ;;
    armv7-* | arm-*) arch=arm ;;
    *) return 1 ;;
  esac
  echo "${os}_${arch}"
}

host="$(rustc -vV | sed -n 's/^host: //p')"
[ -n "$host" ] || die "cannot tell the host target from rustc -vV"

# "platform binary" pairs to package.
pairs=()
if [ "$build" = 1 ]; then
  read -r -a targets <<<"${TARGETS:-$host}"
  for target in "${targets[@]}"; do
    platform="$(platform_of "$target")" || die "no Terraform platform for target $target"
    if [ "$target" = "$host" ]; then
      echo "==> cargo build --release --locked ($target)"
      (cd "$root" && cargo build --release --locked --bin "$name")
      binary="$root/target/release/$name"
    else
      if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$target"; then
        die "Rust target $target is not installed (rustup target add $target)"
      fi
      echo "==> cargo build --release --locked --target $target"
      (cd "$root" && cargo build --release --locked --bin "$name" --target "$target")
      binary="$root/target/$target/release/$name"
    fi
    pairs+=("$platform" "$binary")
  done
else
  binary="${BINARY:-$root/target/release/$name}"
  [ -f "$binary" ] || die "no binary at $binary (build it, or set BINARY)"
  platform="${PLATFORM:-$(platform_of "$host")}" || die "no Terraform platform for host $host"
  pairs+=("$platform" "$binary")
fi

# A binary that runs here must be the version being released.
for ((i = 0; i < ${#pairs[@]}; i += 2)); do
  platform="${pairs[i]}" binary="${pairs[i + 1]}"
  if [ "$platform" = "$(platform_of "$host")" ]; then
    reported="$("$binary" --version 2>/dev/null | head -n 1)" || reported=""
    case "$reported" in
      "$name $version "*"protocol ${protocol%%.*}"*) ;;
      *) die "$binary reports \"$reported\", expected $name $version (plugin protocol ${protocol%%.*})" ;;
    esac
  fi
done

epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)}"

mkdir -p "$dist"
# Start from a clean set for this version, so SHA256SUMS lists exactly the
# artefacts of this run.
rm -f "$dist/${name}_${version}_"*

python3 - "$dist" "$name" "$version" "$protocol" "$epoch" "${pairs[@]}" <<'PY'
import hashlib
import os
import shutil
import sys
import time
import zipfile

dist, name, version, protocol, epoch = sys.argv[1:6]
pairs = sys.argv[6:]
# Zip timestamps are local DOS times from 1980 on; use UTC for stability.
stamp = max(int(epoch), 315532800)
date_time = time.gmtime(stamp)[:6]

written = []
for platform, binary in zip(pairs[0::2], pairs[1::2]):
    archive = f"{name}_{version}_{platform}.zip"
    entry = f"{name}_v{version}"
    info = zipfile.ZipInfo(entry, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the mode below is honoured
    info.external_attr = (0o100755 & 0xFFFF) << 16
    path = os.path.join(dist, archive)
    with zipfile.ZipFile(path, "w") as zf, open(binary, "rb") as src:
        with zf.open(info, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    written.append(archive)

manifest = f"{name}_{version}_manifest.json"
with open(os.path.join(dist, manifest), "w") as f:
    f.write('{"version":1,"metadata":{"protocol_versions":["%s"]}}\n' % protocol)
written.append(manifest)

sums = []
for filename in sorted(written):
    digest = hashlib.sha256()
    with open(os.path.join(dist, filename), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    sums.append(f"{digest.hexdigest()}  {filename}\n")
with open(os.path.join(dist, f"{name}_{version}_SHA256SUMS"), "w") as f:
    f.writelines(sums)
PY

sums="$dist/${name}_${version}_SHA256SUMS"
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  gpg --batch --yes --local-user "$GPG_FINGERPRINT" --detach-sign \
    --output "$sums.sig" "$sums"
fi

echo "==> $name $version in $dist"
cat "$sums"
[ -f "$sums.sig" ] && echo "signed: $(basename "$sums.sig")"
exit 0
