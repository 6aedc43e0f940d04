// KPUConfig bytes (JSON or protobuf binary) as a downloaded config: kpu_config_parse, its JSON
// view parsed back, then a small CNN and an MLP compiled for it and run as in program_fuzzer.
#include <string>

#include "kpu/testing/capi_models.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kpu::fuzz::Require;
  // Small enough that even a 1x1 array with tiny memories compiles to a short DFX program.
  static const kpu::testing::CapiModel cnn = kpu::testing::CapiCnn(6, 2, 3, 7);
  static const kpu::testing::CapiModel mlp = kpu::testing::CapiMlp(2, 12, 8, 4, 7);
  kpu_config* config = nullptr;
  const kpu_status s = kpu_config_parse(data, size, &config);
  if (s != KPU_OK) {
    kpu::fuzz::RequireError(s, "kpu_config_parse");
    Require(config == nullptr, "kpu_config_parse leaves *out untouched on failure");
    return 0;
  }
  kpu_buffer* json = nullptr;
  Require(kpu_config_to_json(config, &json) == KPU_OK, "a parsed config prints as JSON");
  kpu_config* again = nullptr;
  if (kpu_config_parse(kpu_buffer_data(json), kpu_buffer_size(json), &again) != KPU_OK) {
    kpu::fuzz::Fail(std::string("a config's JSON view does not parse back: ") + kpu_last_error());
  }
  kpu_config_destroy(again);
  kpu_buffer_destroy(json);
  kpu::fuzz::CompileAndRun(cnn.graph, config);
  kpu::fuzz::CompileAndRun(mlp.graph, config);
  kpu_config_destroy(config);
  return 0;
}
