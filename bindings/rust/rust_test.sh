#!/usr/bin/env bash
# Runs the crate's `cargo test` against the libkpu.so Bazel built.
set -euo pipefail

runfiles="${TEST_SRCDIR:?}/${TEST_WORKSPACE:-kpu}"
lib="$runfiles/kpu/c_api/libkpu.so"
crate="$runfiles/bindings/rust"
[[ -f "$lib" ]] || { echo "libkpu.so not found at $lib" >&2; exit 1; }

# cargo writes Cargo.lock and build output next to the sources; runfiles are read-only links.
work="${TEST_TMPDIR:?}/crate"
rm -rf "$work"
mkdir -p "$work"
cp -RL "$crate/Cargo.toml" "$crate/build.rs" "$crate/src" "$crate/tests" "$work/"
if [[ -f "$crate/Cargo.lock" ]]; then cp -L "$crate/Cargo.lock" "$work/"; fi

export KPU_LIB_DIR
KPU_LIB_DIR="$(cd "$(dirname "$lib")" && pwd)"
export LD_LIBRARY_PATH="$KPU_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CARGO_HOME="$TEST_TMPDIR/cargo_home"
export CARGO_TARGET_DIR="$TEST_TMPDIR/target"
# The library test writes temp files (save/load); keep them inside the test's sandbox.
export TMPDIR="$TEST_TMPDIR"

cargo="$(command -v cargo || true)"
if [[ -z "$cargo" && -n "${HOME:-}" && -x "$HOME/.cargo/bin/cargo" ]]; then
  cargo="$HOME/.cargo/bin/cargo"
fi
[[ -n "$cargo" ]] || { echo "cargo not found on PATH or in \$HOME/.cargo/bin" >&2; exit 1; }
# rustup's cargo is a proxy that finds its toolchains through RUSTUP_HOME, and runs rustc from
# the same folder.
if [[ -z "${RUSTUP_HOME:-}" && -n "${HOME:-}" && -d "$HOME/.rustup" ]]; then
  export RUSTUP_HOME="$HOME/.rustup"
fi
export PATH="$(dirname "$cargo"):$PATH"

cd "$work"
exec "$cargo" test --offline --quiet
