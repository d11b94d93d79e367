# Sourced by the scripts that build the release binary (install.sh,
# release.sh, `make build`): compiler flags that keep the build machine's
# paths out of the binary, so the same commit gives the same bytes in any
# checkout directory, under any user. Panic messages and C assertions name
# source files; without this they would carry /home/<user>/... paths to
# the checkout, to the cargo registry and to the generated protocol code
# under target/.../out/, and every builder would produce another checksum.
#
# Paths are rewritten to fixed prefixes: the checkout to
# terraform-provider-clerk/ (so target/... becomes
# terraform-provider-clerk/target/..., as does a $CARGO_TARGET_DIR outside
# the checkout), cargo's home (registry and git
# sources) to /cargo, the Rust toolchain to /rustc-sysroot and $HOME to ~.
# rustc applies the last mapping that matches, so the most specific comes
# last. The same prefixes go to the C compiler, which builds aws-lc.
#
# Expects $root (the checkout). Exports CARGO_ENCODED_RUSTFLAGS, CFLAGS and
# CXXFLAGS; flags already in RUSTFLAGS/CFLAGS are kept.

build_env_maps=()
build_env_add() { # from to
  [ -n "$1" ] && [ "$1" != / ] && build_env_maps+=("$1" "$2")
}
build_env_add "${HOME:-}" "~"
build_env_add "$(rustc --print sysroot 2>/dev/null || true)" /rustc-sysroot
build_env_add "${CARGO_HOME:-${HOME:-}/.cargo}" /cargo
build_env_real="$(cd "$root" && pwd -P)"
[ "$build_env_real" = "$root" ] || build_env_add "$build_env_real" terraform-provider-clerk
build_env_add "$root" terraform-provider-clerk
# A target directory elsewhere holds the generated code (OUT_DIR) too.
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  build_env_target="$(cd "$root" && mkdir -p "$CARGO_TARGET_DIR" && cd "$CARGO_TARGET_DIR" && pwd)"
  case "$build_env_target/" in
    "$root"/*) ;;
    *) build_env_add "$build_env_target" terraform-provider-clerk/target ;;
  esac
fi

build_env_rust=()
build_env_c=""
for ((build_env_i = 0; build_env_i < ${#build_env_maps[@]}; build_env_i += 2)); do
  build_env_rust+=("--remap-path-prefix=${build_env_maps[build_env_i]}=${build_env_maps[build_env_i + 1]}")
  build_env_c+=" -ffile-prefix-map=${build_env_maps[build_env_i]}=${build_env_maps[build_env_i + 1]}"
done
# CARGO_ENCODED_RUSTFLAGS separates flags with 0x1f, so paths may hold spaces.
build_env_joined="$(printf '%s\x1f' ${RUSTFLAGS:-} "${build_env_rust[@]}")"
export CARGO_ENCODED_RUSTFLAGS="${build_env_joined%$'\x1f'}"
export CFLAGS="${CFLAGS:-}${build_env_c}"
export CXXFLAGS="${CXXFLAGS:-}${build_env_c}"
unset RUSTFLAGS build_env_target build_env_real build_env_maps build_env_rust build_env_c build_env_i build_env_joined
unset -f build_env_add
