#!/usr/bin/env bash
# Release artefacts in the layout the Terraform Registry and provider mirrors
# expect, written to dist/ (or $DIST):
#
#   terraform-provider-clerk_<version>_<os>_<arch>.zip   one per platform, holding
#                                                        terraform-provider-clerk_v<version>
#                                                        (.exe on Windows)
#   terraform-provider-clerk_<version>_manifest.json     plugin protocol versions
#   terraform-provider-clerk_<version>_SHA256SUMS        checksums of every zip of
#                                                        <version> in dist/ and the manifest
#   terraform-provider-clerk_<version>_SHA256SUMS.sig    with GPG_FINGERPRINT set: a
#                                                        detached signature, as registries require
#   terraform-provider-clerk_<version>_signing_key.asc   and the ASCII-armoured public key
#                                                        a private registry asks for
#   terraform.local/clerk/clerk/index.json, <version>.json
#                                                        the provider network mirror protocol:
#                                                        publish dist/ on any static HTTPS host
#
# The version is the one in Cargo.toml. By default this builds the release
# binary (cargo build --release --locked, with build paths remapped so that
# every checkout builds the same bytes) for each Rust target in $TARGETS
# (default: the host; add others only if their toolchain and linker work
# here). --no-build packages an existing binary instead: $BINARY (default
# target/release/terraform-provider-clerk) for the host platform, or for
# $PLATFORM (e.g. linux_arm64) if it was cross-built. Each binary must be an
# executable of its platform's format and architecture.
#
# Zips of other platforms already in dist/ are kept, and SHA256SUMS covers
# them all: per-platform builders each run this for their platform, then
# one step gathers their zips into one dist/ and runs
# `scripts/release.sh --combine`, which packages nothing and writes the
# manifest, SHA256SUMS, signature and mirror files over all of them.
# --clean first drops the zips of this version already in dist/.
#
# Signing: GPG_FINGERPRINT names the key (GNUPGHOME, if set, its keyring);
# a key protected by a passphrase reads it from $GPG_PASSPHRASE, never from
# a terminal. Terraform 0.13 to 1.x verify RSA signatures only, so other
# keys (EdDSA, ECDSA, DSA) are refused before anything is built, as is a
# key that cannot sign. Everything is written to a temporary directory
# first and moved into dist/ only when all of it, signature included,
# succeeded: a failed run leaves dist/ as it was.
#
# Zips are reproducible: fixed entry order, mode 0755, and timestamps from
# $SOURCE_DATE_EPOCH (default: the last commit's time), so the same binary
# always gives the same checksums. Python 3's zipfile makes them, so no zip
# binary is needed.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
name="terraform-provider-clerk"
# Where cargo puts what it builds (relative to the checkout, as cargo takes it).
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
protocol="5.0"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  echo "usage: scripts/release.sh [--no-build | --combine] [--clean]"
}

build=1
combine=0
clean=0
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --combine) combine=1 build=0 ;;
    --clean) clean=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "release.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

die() { echo "release.sh: $*" >&2; exit 1; }

version="$(awk -F'"' '/^version = /{print $2; exit}' "$root/Cargo.toml")"
[ -n "$version" ] || die "no version in Cargo.toml"
dist="${DIST:-$root/dist}"
command -v python3 >/dev/null || die "python3 is needed to write the zips"
tool() { python3 "$root/scripts/release.py" "$@"; }

# --- Signing key: checked before any work, so a bad key costs no build.
gpg_sign() { # output input
  local args=(--batch --yes --local-user "$GPG_FINGERPRINT!" --detach-sign --output "$1")
  if [ -n "${GPG_PASSPHRASE+set}" ]; then
    # From a file descriptor, not the command line, which others can read.
    gpg "${args[@]}" --pinentry-mode loopback --passphrase-fd 3 "$2" 3<<<"$GPG_PASSPHRASE"
  else
    # Never ask: a key without a cached passphrase fails instead.
    gpg "${args[@]}" --pinentry-mode error "$2"
  fi
}
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  command -v gpg >/dev/null || die "GPG_FINGERPRINT is set but gpg is not installed"
  keys="$(gpg --batch --with-colons --fixed-list-mode --list-secret-keys "$GPG_FINGERPRINT" 2>/dev/null)" ||
    die "no secret key $GPG_FINGERPRINT in the keyring${GNUPGHOME:+ $GNUPGHOME}"
  # The key itself must be able to sign (it is used with "!": no subkey
  # is picked instead), with an algorithm Terraform verifies: RSA (1, 3).
  primary="$(printf '%s\n' "$keys" | awk -F: '$1 == "sec" { print $4 ":" $12; exit }')"
  case "${primary%%:*}" in
    1 | 3) ;;
    22) die "key $GPG_FINGERPRINT is EdDSA; Terraform 0.13 to 1.x cannot verify EdDSA signatures: use an RSA key (gpg --quick-gen-key NAME rsa4096 sign)" ;;
    *) die "key $GPG_FINGERPRINT uses OpenPGP algorithm ${primary%%:*}; Terraform verifies RSA signatures only: use an RSA key" ;;
  esac
  case "${primary#*:}" in
    *s*) ;;
    *) die "key $GPG_FINGERPRINT cannot sign" ;;
  esac
  probe="$(mktemp)"
  trap 'rm -f "$probe" "$probe.sig"' EXIT
  echo "signing check" >"$probe"
  gpg_sign "$probe.sig" "$probe" 2>"$probe.err" || {
    cat "$probe.err" >&2
    rm -f "$probe.err"
    die "gpg cannot sign with $GPG_FINGERPRINT (a key with a passphrase needs GPG_PASSPHRASE)"
  }
  rm -f "$probe" "$probe.sig" "$probe.err"
  trap - EXIT
fi

# Terraform's name for the platform of a Rust target triple.
platform_of() {
  local os arch
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-freebsd) os=freebsd ;;
    *-openbsd) os=openbsd ;;
    *-windows-*) os=windows ;;
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

host="$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')" || host=""
if [ -z "$host" ]; then
  [ "$build" = 0 ] || die "cannot tell the host target from rustc -vV"
  host="$(uname -m)-unknown-$(uname -s | tr '[:upper:]' '[:lower:]')-"
fi
host_platform="$(platform_of "$host" || true)"

# "platform binary" pairs to package.
pairs=()
if [ "$build" = 1 ]; then
  read -r -a targets <<<"${TARGETS:-$host}"
  # shellcheck source=scripts/build-env.sh
  . "$root/scripts/build-env.sh"
  for target in "${targets[@]}"; do
    platform="$(platform_of "$target")" || die "no Terraform platform for target $target"
    exe=""
    [ "${platform%%_*}" = windows ] && exe=".exe"
    if [ "$target" = "$host" ]; then
      echo "==> cargo build --release --locked ($target)"
      (cd "$root" && cargo build --release --locked --bin "$name")
      binary="$target_dir/release/$name$exe"
    else
      if command -v rustup >/dev/null && ! rustup target list --installed | grep -x "$target" >/dev/null; then
        die "Rust target $target is not installed (rustup target add $target)"
      fi
      echo "==> cargo build --release --locked --target $target"
      (cd "$root" && cargo build --release --locked --bin "$name" --target "$target")
      binary="$target_dir/$target/release/$name$exe"
    fi
    pairs+=("$platform" "$binary")
  done
elif [ "$combine" = 0 ]; then
  platform="${PLATFORM:-$host_platform}"
  [ -n "$platform" ] || die "no Terraform platform for host $host: set PLATFORM"
  exe=""
  [ "${platform%%_*}" = windows ] && exe=".exe"
  binary="${BINARY:-$target_dir/release/$name$exe}"
  [ -f "$binary" ] || die "no binary at $binary (build it, or set BINARY)"
  pairs+=("$platform" "$binary")
fi

for ((i = 0; i < ${#pairs[@]}; i += 2)); do
  platform="${pairs[i]}" binary="${pairs[i + 1]}"
  # The right kind of executable for the platform it is packaged for...
  tool check "$binary" "$platform" || exit 1
  # ...and one that runs here must be the version being released.
  if [ "$platform" = "$host_platform" ]; then
    reported="$("$binary" --version 2>/dev/null)" || reported=""
    reported="${reported%%$'\n'*}"
    case "$reported" in
      "$name $version "*"protocol ${protocol%%.*}"*) ;;
      *) die "$binary reports \"$reported\", expected $name $version (plugin protocol ${protocol%%.*})" ;;
    esac
  fi
done

epoch="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)}"

# Work in a sibling of dist/ (same file system, so the final moves are
# renames) and touch dist/ only once everything is written.
mkdir -p "$(dirname "$dist")"
stage="$(mktemp -d "$(dirname "$dist")/.$(basename "$dist").XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mirror_dir="terraform.local/clerk/clerk"
mkdir -p "$stage/$mirror_dir"
if [ -d "$dist" ]; then
  if [ "$clean" = 0 ]; then
    for zip in "$dist/${name}_${version}_"*.zip; do
      [ -f "$zip" ] && cp -p "$zip" "$stage/"
    done
  fi
  # The mirror's index lists the other versions published here too.
  for other in "$dist/$mirror_dir/"*.json; do
    [ -f "$other" ] && cp -p "$other" "$stage/$mirror_dir/"
  done
fi
rm -f "$stage/$mirror_dir/$version.json"

tool package "$stage" "$name" "$version" "$protocol" "$epoch" "${pairs[@]}"

sums="${name}_${version}_SHA256SUMS"
key="${name}_${version}_signing_key.asc"
if [ -n "${GPG_FINGERPRINT:-}" ]; then
  gpg_sign "$stage/$sums.sig" "$stage/$sums" || die "signing failed; $dist is unchanged"
  gpg --batch --armor --export "$GPG_FINGERPRINT" >"$stage/$key" || die "exporting the public key failed; $dist is unchanged"
  grep -q "BEGIN PGP PUBLIC KEY BLOCK" "$stage/$key" || die "gpg exported no public key for $GPG_FINGERPRINT; $dist is unchanged"
fi

# Move into place: first drop what this run replaces (every file of this
# version, so no signature of an older SHA256SUMS survives), then rename.
mkdir -p "$dist/$mirror_dir"
rm -f "$dist/${name}_${version}_"*
(cd "$stage" && find . -type f) | while read -r file; do
  mv -f "$stage/$file" "$dist/$file"
done

echo "==> $name $version in $dist"
cat "$dist/$sums"
[ -f "$dist/$sums.sig" ] && echo "signed: $sums.sig, public key: $key"
echo "network mirror: $mirror_dir/index.json, $mirror_dir/$version.json"
exit 0
