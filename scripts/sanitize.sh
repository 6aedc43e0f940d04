#!/usr/bin/env bash
# CI's sanitizer stage (scripts/test.sh runs it after `bazel test //...`):
#  1. every C++ and C test built with clang under AddressSanitizer + UndefinedBehaviorSanitizer
#     (--config=asan, .bazelrc) and run once;
#  2. in the same build every fuzz target (tests/fuzz) fuzzes for KPU_FUZZ_SECONDS (default 20)
#     from its checked-in corpus and regression inputs; a crash fails the stage and leaves the input
#     in bazel-testlogs/tests/fuzz/<target>/test.outputs/.
# The ASan build gets an output base of its own beside the normal one, so neither evicts the
# other. Extra arguments go to `bazel test`.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
base="$(bazel info output_base 2>/dev/null)"
if [ -z "$base" ]; then
  echo "[sanitize] bazel info output_base failed" >&2
  exit 1
fi
# The packages by name, not //...: from this second output base the normal build's bazel-* links
# are plain folders, and //... would walk into them.
packages=(//kpu/... //tests/... //tools/... //benchmarks/... //bindings/...)
# The asan server stops itself after 10 idle minutes: CI runs it once.
bazel --output_base="${base}-asan" --max_idle_secs=600 test --config=asan \
  --test_lang_filters=cc --build_tests_only "${packages[@]}" "$@"
status=$?
echo "[sanitize] C++ tests and fuzz targets under ASan+UBSan: $(($(date +%s) - start)) s, exit $status"
exit "$status"
