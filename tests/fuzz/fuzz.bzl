"""kpu_fuzz_test: one fuzz target, two ways to run it.

In a normal build (`bazel test //...`, gcc, no sanitizers) the target is a test that replays its
seed corpus and its regression inputs (every input that once crashed something) through
LLVMFuzzerTestOneInput, so a fixed bug stays fixed. Built with `--config=asan` (clang, ASan +
UBSan, libFuzzer's coverage instrumentation; scripts/sanitize.sh, scripts/fuzz.sh) the same target
links libFuzzer and, run as a test, fuzzes for a fixed time starting from the same inputs
(fuzz_support.cc's LLVMFuzzerInitialize turns the test's arguments into libFuzzer's).
"""

def kpu_fuzz_test(name, srcs, deps = [], corpus = None, size = "medium", **kwargs):
    corpus = corpus or name
    native.cc_test(
        name = name,
        size = size,
        srcs = srcs,
        args = [
            "tests/fuzz/corpus/" + corpus,
            "tests/fuzz/regressions/" + corpus,
        ],
        data = native.glob([
            "corpus/" + corpus + "/**",
            "regressions/" + corpus + "/**",
        ]),
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps + [":fuzz_support"] + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
        **kwargs
    )
