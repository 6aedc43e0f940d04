#!/usr/bin/env bash
# A long fuzzing run of one target, or of all of them:
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   TARGET: program_fuzzer, program_structured_fuzzer,
#                                                         graph_fuzzer, config_fuzzer, or all
# Builds the targets in the ASan+UBSan+libFuzzer configuration (--config=asan, the output base
# scripts/sanitize.sh uses) and fuzzes from the checked-in corpus, growing a working corpus in
# .fuzz/<target>/corpus (not checked in). A crash leaves its input in .fuzz/<target>/; copy it to
# tests/fuzz/regressions/<corpus>/ with the fix, so `bazel test //...` replays it from then on.
# Prints the run's executions and their rate at the end (libFuzzer's final stats).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer flags...]" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
all=(program_fuzzer program_structured_fuzzer graph_fuzzer config_fuzzer)
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
corpus_of() {
  case "$1" in
    program_fuzzer|program_structured_fuzzer) echo program ;;
    graph_fuzzer) echo graph ;;
    config_fuzzer) echo config ;;
    *) echo "unknown fuzz target '$1' (one of: ${all[*]}, all)" >&2; return 1 ;;
  esac
}
for t in "${targets[@]}"; do corpus_of "$t" >/dev/null || exit 2; done

base="$(bazel info output_base 2>/dev/null)" || { echo "bazel info failed" >&2; exit 1; }
labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:$t"); done
bazel --output_base="${base}-asan" build --config=asan "${labels[@]}" || exit 1
bin="$(bazel --output_base="${base}-asan" info --config=asan bazel-bin 2>/dev/null)/tests/fuzz"

# Kernels single-threaded: one input at a time, and OpenMP/BLAS pools only cost executions.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
status=0
for t in "${targets[@]}"; do
  c=$(corpus_of "$t")
  work=".fuzz/$t"
  mkdir -p "$work/corpus"
  echo "[fuzz] $t for $seconds s (corpus $work/corpus + tests/fuzz/corpus/$c + tests/fuzz/regressions/$c)"
  # Entropic scheduling spends most of the time in its own bookkeeping on these targets.
  dirs=("$work/corpus" "tests/fuzz/corpus/$c")
  # libFuzzer stops at a folder that does not exist; git keeps no empty ones.
  [ -d "tests/fuzz/regressions/$c" ] && dirs+=("tests/fuzz/regressions/$c")
  "$bin/$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=3072 -entropic=0 -print_final_stats=1 \
    -artifact_prefix="$work/" "$@" "${dirs[@]}" \
    2> >(grep -v -E '^#[0-9]+|NEW_FUNC' >&2) || status=1
done
exit "$status"
