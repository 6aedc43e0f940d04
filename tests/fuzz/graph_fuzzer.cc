// `.dfg` bytes (JSON or protobuf binary) as a downloaded graph: kpu_graph_parse, both serialized
// forms parsed back, then kpu_compile and, when it compiles, the program run as in
// program_fuzzer. External data resolves inside an empty folder, so no input reads other files.
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_support.h"

namespace {

const char* EmptyFolder() {
  static const std::string folder = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/kpu_graph_fuzzer_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) kpu::fuzz::Fail("cannot make a folder for external data");
    return pattern;
  }();
  return folder.c_str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kpu::fuzz::Require;
  kpu_graph* graph = nullptr;
  const kpu_status s = kpu_graph_parse(data, size, EmptyFolder(), &graph);
  if (s != KPU_OK) {
    kpu::fuzz::RequireError(s, "kpu_graph_parse");
    Require(graph == nullptr, "kpu_graph_parse leaves *out untouched on failure");
    return 0;
  }
  // What the library writes, it reads back.
  for (int json : {0, 1}) {
    kpu_buffer* bytes = nullptr;
    Require(kpu_graph_serialize(graph, json, &bytes) == KPU_OK, "a parsed graph serializes");
    kpu_graph* again = nullptr;
    if (kpu_graph_parse(kpu_buffer_data(bytes), kpu_buffer_size(bytes), EmptyFolder(), &again) != KPU_OK) {
      kpu::fuzz::Fail(std::string("a serialized graph does not parse back: ") + kpu_last_error());
    }
    kpu_graph_destroy(again);
    kpu_buffer_destroy(bytes);
  }
  kpu::fuzz::CompileAndRun(graph, nullptr);
  kpu_graph_destroy(graph);
  return 0;
}
