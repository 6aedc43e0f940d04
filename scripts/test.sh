#!/usr/bin/env bash
# Runs every test (C++, C, Python, Rust) with the one test command, after setting the machine up.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
log=$(mktemp)
bazel test //... "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# A plain closing line that any CI reader understands.
summary=$(grep -Eo 'Executed [0-9]+ out of [0-9]+ tests?: [0-9]+ tests? pass(es)?( and [0-9]+ fails?)?' "$log" | tail -1)
passed=$(printf '%s' "$summary" | sed -E 's/.*: ([0-9]+) tests? pass.*/\1/')
failed=$(printf '%s' "$summary" | grep -Eo 'and [0-9]+ fail' | grep -Eo '[0-9]+' || echo 0)
rm -f "$log"
if [ -n "$summary" ]; then
  echo "bazel: ${passed:-0} passed, ${failed:-0} failed"
fi
# The sanitizer stage: the C++ tests under ASan+UBSan and a short run of every fuzz target.
# KPU_SKIP_SANITIZERS=1 skips it for a quick local run; CI never sets it.
if [ "${KPU_SKIP_SANITIZERS:-0}" != 1 ]; then
  bash scripts/sanitize.sh || status=1
fi
exit "$status"
