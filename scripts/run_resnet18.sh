#!/usr/bin/env bash
# The main job: sets the machine up, builds the Python package, runs ResNet-18 (224x224) through
# torch.compile(model, backend="kpu") on the default KPU and prints the difference from eager,
# cycles, energy, utilization, DRAM bytes, the dataflow per layer and the fallback report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bazel build //bindings/python:kpu_pkg
PYTHONPATH="$(bazel info bazel-bin)/bindings/python/pkg${PYTHONPATH:+:$PYTHONPATH}" \
  python3 examples/torch_compile_resnet18.py "$@"
