#!/usr/bin/env bash
# The thread test under ThreadSanitizer (bazel --config=tsan, see .bazelrc): one program shared by
# 8 threads with a runtime each, on every engine. Run by hand (CI's sanitizer stage,
# scripts/sanitize.sh, is ASan+UBSan; a TSan build of the same libraries would add as long again).
# Prints how long it took; exits non-zero if TSan reports a race or the test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bazel test --config=tsan //tests:threads_test //tests:determinism_test "$@" 2>&1 | tail -n 40
status=${PIPESTATUS[0]}
echo "[tsan] threads_test + determinism_test under ThreadSanitizer: $(($(date +%s) - start)) s"
exit "$status"
