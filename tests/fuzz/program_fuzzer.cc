// `.kpu` bytes as a downloaded file: kpu_program_deserialize, then (when it loads) kpu_load and
// kpu_execute on zero inputs with every engine. Checksums stop most blind mutations at the
// container; program_structured_fuzzer gets past them.
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kpu::fuzz::RunProgramBytes(data, size);
  return 0;
}
