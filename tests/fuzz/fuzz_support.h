// What every fuzz target shares: the process set-up (limits, and libFuzzer's arguments when a
// target runs as a test under --config=asan), the invariants a target checks, and the two ways
// an input reaches the library: `.kpu` bytes, and a graph compiled for a config.
#ifndef TESTS_FUZZ_FUZZ_SUPPORT_H_
#define TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "kpu/c_api/kpu.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace kpu::fuzz {

// Host memory a loaded program may allocate in a fuzz run (KPU_MAX_HOST_MEMORY_BYTES): large
// enough for every seed, small enough that libFuzzer's RSS limit is never what stops an input.
constexpr uint64_t kMaxHostMemoryBytes = uint64_t{256} << 20;
// Inputs and outputs a target allocates to run a program.
constexpr uint64_t kMaxIoBytes = uint64_t{64} << 20;
// DFX steps (kpu/ir/dfx_walk.h) a program may take to be run: the validator walks every step, so a
// program near the loader's own limit (2*10^8) is correct to accept and takes seconds, which
// would starve the fuzzer. tests/hostile_programs_test covers programs at that limit.
constexpr uint64_t kMaxFuzzSteps = 200'000;
// The two interpreters move every tile's bytes: run them on programs up to this many steps, the
// fast path on all of them.
constexpr uint64_t kMaxInterpretedSteps = 20'000;
// The JSON view costs more than everything else for a large program; print programs up to this
// size (every seed is smaller).
constexpr size_t kMaxJsonProgramBytes = 32 << 10;

// A broken invariant is a bug the fuzzer found: print it and abort, so libFuzzer keeps the input.
[[noreturn]] void Fail(const std::string& what);
inline void Require(bool ok, const char* what) {
  if (!ok) Fail(what);
}

// A failed call must return a listed status with a message.
void RequireError(kpu_status status, const char* call);

// Runs `.kpu` bytes the way a deployment service would: deserialize; if that succeeds, check that
// the program round-trips, prints as JSON, and loads, and execute it on zero inputs with every
// engine. Programs beyond kMaxFuzzSteps or kMaxIoBytes stop after deserialization (or before it).
void RunProgramBytes(const uint8_t* data, size_t size);

// Runs a program that deserialized (or that the compiler made): the part of RunProgramBytes after
// deserialization. A compiled program must also deserialize from its own bytes.
void RunProgram(const kpu_program* program, bool compiled);

// Compiles `graph` for `config` (NULL: the default KPU) and, when that succeeds, runs the program.
void CompileAndRun(const kpu_graph* graph, const kpu_config* config);

}  // namespace kpu::fuzz

#endif  // TESTS_FUZZ_FUZZ_SUPPORT_H_
