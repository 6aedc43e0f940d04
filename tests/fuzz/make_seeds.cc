// Writes the fuzz targets' seed corpora (tests/fuzz/corpus/*): small, valid inputs from which the
// fuzzers start. Run it again after a change of the `.kpu` format or the graph schema
// (tests/fuzz:seed_corpus_test says when the program seeds stop loading):
//   bazel run //tests/fuzz:make_seeds -- $PWD/tests/fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "kpu/c_api/kpu.h"
#include "kpu/testing/capi_models.h"
#include "kpu/testing/op_samples.h"

namespace {

bool Write(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

// Writes what `make` puts in a buffer (a serialize or to_json call).
template <typename Make>
bool WriteBuffer(const std::string& path, Make make) {
  kpu_buffer* buffer = nullptr;
  if (make(&buffer) != KPU_OK) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), kpu_last_error());
    return false;
  }
  const bool ok = Write(path, kpu_buffer_data(buffer), kpu_buffer_size(buffer));
  kpu_buffer_destroy(buffer);
  return ok;
}

bool WriteProgram(const std::string& path, const kpu_graph* graph, const char* preset, kpu_dataflow dataflow,
                  int residency) {
  kpu_config* config = nullptr;
  if (kpu_config_create_preset(preset, &config) != KPU_OK) return false;
  kpu_compile_options options;
  kpu_compile_options_init(&options);
  options.dataflow = dataflow;
  options.enable_residency = residency;
  kpu_program* program = nullptr;
  const kpu_status s = kpu_compile(graph, config, &options, &program);
  kpu_config_destroy(config);
  if (s != KPU_OK) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), kpu_last_error());
    return false;
  }
  const bool ok = WriteBuffer(path, [&](kpu_buffer** out) { return kpu_program_serialize(program, out); });
  kpu_program_destroy(program);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (tests/fuzz/corpus)\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  const kpu::testing::CapiModel mlp = kpu::testing::CapiMlp(2, 12, 8, 4, 3);
  const kpu::testing::CapiModel cnn = kpu::testing::CapiCnn(6, 2, 3, 5);
  for (const kpu::testing::CapiModel* m : {&mlp, &cnn}) {
    const std::string p = dir + "/program/" + m->name;
    ok &= WriteProgram(p + ".kpu", m->graph, "swkpu-v1", KPU_DATAFLOW_AUTO, 1);
    ok &= WriteProgram(p + "_ws.kpu", m->graph, "swkpu-v1", KPU_DATAFLOW_WEIGHT_STATIONARY, 1);
    ok &= WriteProgram(p + "_is_dram.kpu", m->graph, "swkpu-v1", KPU_DATAFLOW_INPUT_STATIONARY, 0);
    ok &= WriteProgram(p + "_minimal.kpu", m->graph, "minimal", KPU_DATAFLOW_AUTO, 1);
    for (int json : {0, 1}) {
      ok &= WriteBuffer(dir + "/graph/" + m->name + (json ? ".dfg.json" : ".dfg"),
                        [&](kpu_buffer** out) { return kpu_graph_serialize(m->graph, json, out); });
    }
  }
  // One graph and one program per registry op (kpu/testing/op_samples), so every lowering, kernel
  // and cost row is a mutation away; a seed over kMaxSeedBytes would slow every fuzz run down.
  constexpr size_t kMaxSeedBytes = 48 << 10;
  for (const std::string& op : kpu::testing::SampledOps()) {
    const std::string bytes = kpu::testing::OpSample(op)->SerializeAsString();
    if (bytes.size() > kMaxSeedBytes) continue;
    kpu_graph* graph = nullptr;
    if (kpu_graph_parse(bytes.data(), bytes.size(), nullptr, &graph) != KPU_OK) {
      std::fprintf(stderr, "sample of %s: %s\n", op.c_str(), kpu_last_error());
      ok = false;
      continue;
    }
    ok &= Write(dir + "/graph/op_" + op + ".dfg", bytes.data(), bytes.size());
    ok &= WriteProgram(dir + "/program/op_" + op + ".kpu", graph, "minimal", KPU_DATAFLOW_AUTO, 1);
    kpu_graph_destroy(graph);
  }
  for (size_t i = 0; i < kpu_config_preset_count(); ++i) {
    const char* name = kpu_config_preset_name(i);
    kpu_config* config = nullptr;
    if (kpu_config_create_preset(name, &config) != KPU_OK) return 1;
    ok &= WriteBuffer(dir + "/config/" + name + ".json", [&](kpu_buffer** out) { return kpu_config_to_json(config, out); });
    kpu_config_destroy(config);
  }
  std::printf(ok ? "seeds written to %s\n" : "some seeds could not be written to %s\n", dir.c_str());
  return ok ? 0 : 1;
}
