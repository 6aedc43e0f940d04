#!/usr/bin/env bash
# The main job: sets the machine up, builds the Python package, runs the MNIST MLP through
# torch.compile(model, backend="kpu") on the default KPU and prints accuracy, cycles and energy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //bindings/python:kpu_pkg
PYTHONPATH="$(bazel info bazel-bin)/bindings/python/pkg${PYTHONPATH:+:$PYTHONPATH}" \
  python3 examples/torch_compile_mlp.py "$@"
