#!/usr/bin/env bash
# Installs everything a fresh machine needs to build, test and run the KPU toolchain.
# Idempotent: each step checks before it installs, so re-running is cheap.
set -euo pipefail

log() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

DEB_PACKAGES=(
  bazel-bootstrap bazel-platforms openjdk-17-jdk-headless
  build-essential pkg-config
  libabsl-dev libprotobuf-dev protobuf-compiler
  libopenblas-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev
  libdnnl-dev
  clang-14 libclang-rt-14-dev libomp-14-dev
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi

PY="${PYTHON:-python3}"
# torch is pinned: an unpinned torch pulls the CUDA build (gigabytes).
PIP_PACKAGES=("torch==2.13.0" "numpy" "pytest")
need_pip=()
for spec in "${PIP_PACKAGES[@]}"; do
  name="${spec%%==*}"
  want="${spec#*==}"
  have="$("$PY" -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)"
  if [ -z "$have" ] || { [ "$want" != "$spec" ] && [ "$have" != "$want" ]; }; then
    need_pip+=("$spec")
  fi
done
if [ "${#need_pip[@]}" -gt 0 ]; then
  log "installing Python packages: ${need_pip[*]}"
  "$PY" -m pip install -q "${need_pip[@]}"
else
  log "Python packages present"
fi

if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  log "installing Rust toolchain from Debian (cargo, rustc)"
  $SUDO apt-get install -y -qq --no-install-recommends cargo rustc >/dev/null
fi
log "done"
