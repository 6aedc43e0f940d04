// The C ABI's contract, from C++: errors per thread, NULL handling, struct sizes, JSON views,
// configs, graph files, modes.
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"

namespace {

using ::testing::HasSubstr;

std::string Str(kpu_buffer* b) {
  std::string s(static_cast<const char*>(kpu_buffer_data(b)), kpu_buffer_size(b));
  kpu_buffer_destroy(b);
  return s;
}

kpu_graph* TinyGraph(int64_t rows) {
  kpu_graph* g = nullptr;
  EXPECT_EQ(kpu_graph_create("tiny", &g), KPU_OK);
  int64_t d[2] = {rows, 4};
  int64_t wd[2] = {3, 4};
  float w[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1};
  EXPECT_EQ(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, d), KPU_OK);
  EXPECT_EQ(kpu_graph_add_constant(g, "w", KPU_DTYPE_FLOAT32, 2, wd, w, sizeof(w)), KPU_OK);
  const char* in[2] = {"x", "w"};
  const char* out[1] = {"y"};
  EXPECT_EQ(kpu_graph_add_node(g, "linear", "fc", in, 2, out, 1, nullptr, 0), KPU_OK);
  EXPECT_EQ(kpu_graph_add_output(g, "y"), KPU_OK);
  return g;
}

TEST(CApi, NullArgumentsAreErrorsNotCrashes) {
  EXPECT_EQ(kpu_compile(nullptr, nullptr, nullptr, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("kpu_compile"));
  EXPECT_EQ(kpu_load(nullptr, nullptr, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kpu_execute(nullptr, nullptr, 0, nullptr, 0, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kpu_graph_add_input(nullptr, "x", KPU_DTYPE_FLOAT32, 0, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(kpu_program_deserialize(nullptr, 0, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(kpu_status_name(KPU_ERROR_SHAPE_MISMATCH), "KPU_ERROR_SHAPE_MISMATCH");
}

TEST(CApi, ErrorMessagesArePerThread) {
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_program_deserialize("nope", 4, &p), KPU_ERROR_INVALID_PROGRAM);
  std::string other;
  std::thread t([&] { other = kpu_last_error(); });
  t.join();
  EXPECT_EQ(other, "");
  EXPECT_THAT(kpu_last_error(), HasSubstr("shorter than the 16-byte header"));
  // A successful call clears the message.
  kpu_config* c = nullptr;
  ASSERT_EQ(kpu_config_create_preset("swkpu-v1", &c), KPU_OK);
  EXPECT_STREQ(kpu_last_error(), "");
  kpu_config_destroy(c);
}

TEST(CApi, ConfigsPresetsAndJson) {
  ASSERT_GE(kpu_config_preset_count(), 5u);
  EXPECT_STREQ(kpu_config_preset_name(0), "swkpu-v1");
  EXPECT_EQ(kpu_config_preset_name(1000), nullptr);
  kpu_config* c = nullptr;
  ASSERT_EQ(kpu_config_create_preset("edge_ai", &c), KPU_OK);
  kpu_buffer* json = nullptr;
  ASSERT_EQ(kpu_config_to_json(c, &json), KPU_OK);
  std::string text = Str(json);
  EXPECT_THAT(text, HasSubstr("\"array_rows\": 16"));
  kpu_config* back = nullptr;
  ASSERT_EQ(kpu_config_parse(text.data(), text.size(), &back), KPU_OK);
  EXPECT_STREQ(kpu_config_name(back), "edge_ai");
  kpu_config* bad = nullptr;
  EXPECT_EQ(kpu_config_create_preset("warp-drive", &bad), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("Unknown KPU config preset 'warp-drive'"));
  EXPECT_EQ(bad, nullptr);
  kpu_config_destroy(back);
  kpu_config_destroy(c);
}

TEST(CApi, RunsOnAnotherConfigAndReportsModes) {
  kpu_graph* g = TinyGraph(2);
  kpu_config* minimal = nullptr;
  ASSERT_EQ(kpu_config_create_preset("minimal", &minimal), KPU_OK);
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_compile(g, minimal, nullptr, &p), KPU_OK) << kpu_last_error();
  kpu_config* target = nullptr;
  ASSERT_EQ(kpu_program_config(p, &target), KPU_OK);
  EXPECT_STREQ(kpu_config_name(target), "minimal");
  kpu_runtime* rt = nullptr;
  ASSERT_EQ(kpu_load(p, nullptr, &rt), KPU_OK);
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[6];
  int64_t xd[2] = {2, 4}, yd[2] = {2, 3};
  kpu_tensor in = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, xd, x, sizeof(x)};
  kpu_tensor out = {sizeof(kpu_tensor), "y", KPU_DTYPE_FLOAT32, 2, yd, y, sizeof(y)};
  ASSERT_EQ(kpu_execute(rt, &in, 1, &out, 1, nullptr), KPU_OK) << kpu_last_error();
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{1, 2, 7, 5, 6, 15}));
  kpu_execute_options opts;
  kpu_execute_options_init(&opts);
  opts.mode = KPU_MODE_CYCLE_ACCURATE;
  EXPECT_EQ(kpu_execute(rt, &in, 1, &out, 1, &opts), KPU_ERROR_UNIMPLEMENTED);
  EXPECT_THAT(kpu_last_error(), HasSubstr("CYCLE_ACCURATE mode is not implemented yet"));
  kpu_tensor wrong = out;
  wrong.name = "z";
  EXPECT_EQ(kpu_execute(rt, &in, 1, &wrong, 1, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("unknown output 'z'; the program's outputs are: y"));
  EXPECT_EQ(kpu_execute(rt, nullptr, 0, &out, 1, nullptr), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("missing input 'x'"));
  kpu_buffer* metrics = nullptr;
  ASSERT_EQ(kpu_runtime_metrics_json(rt, &metrics), KPU_OK);
  EXPECT_THAT(Str(metrics), HasSubstr("\"op_metrics\""));
  kpu_buffer* schedule = nullptr;
  ASSERT_EQ(kpu_runtime_schedule_text(rt, &schedule), KPU_OK);
  EXPECT_THAT(Str(schedule), HasSubstr("MATMUL_TILE"));
  kpu_runtime_destroy(rt);
  kpu_config_destroy(target);
  kpu_program_destroy(p);
  kpu_config_destroy(minimal);
  kpu_graph_destroy(g);
}

TEST(CApi, SmallerMetricsStructGetsItsPrefix) {
  kpu_graph* g = TinyGraph(1);
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_compile(g, nullptr, nullptr, &p), KPU_OK);
  kpu_runtime* rt = nullptr;
  ASSERT_EQ(kpu_load(p, nullptr, &rt), KPU_OK);
  float x[4] = {1, 1, 1, 1}, y[3];
  int64_t xd[2] = {1, 4}, yd[2] = {1, 3};
  kpu_tensor in = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, xd, x, sizeof(x)};
  kpu_tensor out = {sizeof(kpu_tensor), "y", KPU_DTYPE_FLOAT32, 2, yd, y, sizeof(y)};
  ASSERT_EQ(kpu_execute(rt, &in, 1, &out, 1, nullptr), KPU_OK);
  struct {
    kpu_metrics m;
    uint64_t canary;
  } s;
  s.canary = 0xfeedu;
  s.m.struct_size = offsetof(kpu_metrics, compute_cycles);  // an older, shorter struct
  ASSERT_EQ(kpu_runtime_metrics(rt, &s.m), KPU_OK);
  EXPECT_GT(s.m.total_cycles, 0u);
  EXPECT_EQ(s.canary, 0xfeedu);
  kpu_runtime_destroy(rt);
  kpu_program_destroy(p);
  kpu_graph_destroy(g);
}

TEST(CApi, GraphFileWithExternalDataAndJsonRoundTrip) {
  const std::string dir = getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp";
  float w[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1};
  std::ofstream(dir + "/w.bin", std::ios::binary).write(reinterpret_cast<const char*>(w), sizeof(w));
  const std::string json = R"({"name": "ext", "inputs": ["x"], "outputs": ["y"],
    "tensors": [{"name": "x", "dtype": "FLOAT32", "shape": [1, 4]},
                {"name": "w", "dtype": "FLOAT32", "shape": [3, 4], "external_data": {"path": "w.bin"}}],
    "nodes": [{"name": "fc", "op_type": "linear", "inputs": ["x", "w"], "outputs": ["y"]}]})";
  std::ofstream(dir + "/g.dfg") << json;
  kpu_graph* g = nullptr;
  ASSERT_EQ(kpu_graph_load_file((dir + "/g.dfg").c_str(), &g), KPU_OK) << kpu_last_error();
  kpu_buffer* text = nullptr;
  ASSERT_EQ(kpu_graph_serialize(g, 1, &text), KPU_OK);
  std::string round = Str(text);
  EXPECT_THAT(round, HasSubstr("\"op_type\": \"linear\""));
  kpu_graph* again = nullptr;
  ASSERT_EQ(kpu_graph_parse(round.data(), round.size(), nullptr, &again), KPU_OK) << kpu_last_error();
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_compile(again, nullptr, nullptr, &p), KPU_OK) << kpu_last_error();
  kpu_buffer* pj = nullptr;
  ASSERT_EQ(kpu_program_to_json(p, &pj), KPU_OK);
  EXPECT_THAT(Str(pj), HasSubstr("\"tile_loop\""));

  std::ofstream(dir + "/missing.dfg") << R"({"tensors": [{"name": "w", "dtype": "FLOAT32", "shape": [2],
      "external_data": {"path": "nowhere.bin"}}]})";
  kpu_graph* missing = nullptr;
  EXPECT_EQ(kpu_graph_load_file((dir + "/missing.dfg").c_str(), &missing), KPU_ERROR_IO);
  EXPECT_THAT(kpu_last_error(), HasSubstr("cannot open external data file"));
  EXPECT_EQ(kpu_graph_parse("{not json", 9, nullptr, &missing), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("graph JSON is not valid"));
  kpu_program_destroy(p);
  kpu_graph_destroy(again);
  kpu_graph_destroy(g);
}

}  // namespace

// A SCALE-Sim topology imports as one independent op per layer, and the per-op estimates add up
// to what a FUNCTIONAL run reports for the whole program.
TEST(CApi, ScaleSimTopologyOpEstimatesAddUpToTheFunctionalMetrics) {
  const std::string csv =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
      "c1, 18, 18, 3, 3, 8, 16, 1,\n"
      "c2, 16, 16, 1, 1, 16, 32, 2,\n";
  kpu_graph* g = nullptr;
  ASSERT_EQ(kpu_graph_import_scalesim_topology(csv.data(), csv.size(), "two.csv", &g), KPU_OK) << kpu_last_error();
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_compile(g, nullptr, nullptr, &p), KPU_OK) << kpu_last_error();
  ASSERT_EQ(kpu_program_op_count(p), 2u);
  kpu_op_estimate sum;
  std::memset(&sum, 0, sizeof(sum));
  for (size_t i = 0; i < 2; ++i) {
    kpu_op_estimate e;
    e.struct_size = sizeof(e);
    ASSERT_EQ(kpu_program_op_estimate(p, i, &e), KPU_OK) << kpu_last_error();
    EXPECT_EQ(e.struct_size, sizeof(e));
    EXPECT_STREQ(e.op_type, "conv2d");
    EXPECT_STREQ(e.output, i == 0 ? "c1.output" : "c2.output");
    EXPECT_NE(e.dataflow, KPU_DATAFLOW_AUTO);  // a conv runs on the array
    EXPECT_EQ(e.cycles, e.compute_cycles + e.stall_cycles);
    EXPECT_GT(e.dram_bytes, 0u);
    sum.cycles += e.cycles;
    sum.compute_cycles += e.compute_cycles;
    sum.stall_cycles += e.stall_cycles;
    sum.dram_bytes += e.dram_bytes;
    sum.macs += e.macs;
  }
  EXPECT_EQ(sum.macs, 16u * 16 * 16 * 9 * 8 + 8 * 8 * 32 * 16);

  kpu_runtime* r = nullptr;
  ASSERT_EQ(kpu_load(p, nullptr, &r), KPU_OK) << kpu_last_error();
  std::vector<float> x1(8 * 18 * 18, 0.5f), x2(16 * 16 * 16, -0.25f);
  const int64_t d1[4] = {1, 8, 18, 18}, d2[4] = {1, 16, 16, 16};
  kpu_tensor in[2] = {{sizeof(kpu_tensor), "c1.input", KPU_DTYPE_FLOAT32, 4, d1, x1.data(), x1.size() * 4},
                      {sizeof(kpu_tensor), "c2.input", KPU_DTYPE_FLOAT32, 4, d2, x2.data(), x2.size() * 4}};
  ASSERT_EQ(kpu_execute(r, in, 2, nullptr, 0, nullptr), KPU_OK) << kpu_last_error();
  kpu_metrics m;
  m.struct_size = sizeof(m);
  ASSERT_EQ(kpu_runtime_metrics(r, &m), KPU_OK);
  EXPECT_EQ(sum.cycles, m.total_cycles);
  EXPECT_EQ(sum.compute_cycles, m.compute_cycles);
  EXPECT_EQ(sum.stall_cycles, m.memory_stall_cycles);
  EXPECT_EQ(sum.dram_bytes, m.dram_reads_bytes + m.dram_writes_bytes);
  EXPECT_EQ(sum.macs, m.total_macs);
  kpu_runtime_destroy(r);

  int64_t rows = 0, cols = 0, tiles = 0;
  kpu_config* c = nullptr;
  ASSERT_EQ(kpu_program_config(p, &c), KPU_OK);
  ASSERT_EQ(kpu_config_compute_shape(c, &rows, &cols, &tiles), KPU_OK);
  EXPECT_EQ(rows, 16);
  EXPECT_EQ(cols, 16);
  EXPECT_EQ(tiles, 1);
  kpu_config_destroy(c);
  kpu_program_destroy(p);
  kpu_graph_destroy(g);

  // Errors name the source, line and layer.
  const std::string bad = "Layer, M, N, K,\nfc, 4, 4, 4,\nhuge, 1099511627776, 1099511627776, 1,\n";
  g = nullptr;
  EXPECT_EQ(kpu_graph_import_scalesim_topology(bad.data(), bad.size(), "bad.csv", &g), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("layer 'huge' (line 3)"));
  EXPECT_EQ(g, nullptr);
}

// Found by tests/fuzz:graph_fuzzer: "\n\0" parsed as a graph with an empty name and nothing else,
// whose binary form was 0 bytes, which no parse accepts. Every graph now has a name.
TEST(CApi, EveryGraphSerializesToBytesThatParseBack) {
  const char nameless[] = {'\n', '\0'};
  kpu_graph* parsed = nullptr;
  ASSERT_EQ(kpu_graph_parse(nameless, sizeof(nameless), nullptr, &parsed), KPU_OK) << kpu_last_error();
  kpu_graph* created = nullptr;
  ASSERT_EQ(kpu_graph_create("", &created), KPU_OK);
  for (kpu_graph* g : {parsed, created}) {
    for (int json : {0, 1}) {
      kpu_buffer* bytes = nullptr;
      ASSERT_EQ(kpu_graph_serialize(g, json, &bytes), KPU_OK);
      EXPECT_GT(kpu_buffer_size(bytes), 0u);
      kpu_graph* again = nullptr;
      EXPECT_EQ(kpu_graph_parse(kpu_buffer_data(bytes), kpu_buffer_size(bytes), nullptr, &again), KPU_OK)
          << kpu_last_error();
      if (json == 1) EXPECT_THAT(std::string(static_cast<const char*>(kpu_buffer_data(bytes)), kpu_buffer_size(bytes)),
                                 HasSubstr("\"graph\""));
      kpu_graph_destroy(again);
      kpu_buffer_destroy(bytes);
    }
    kpu_graph_destroy(g);
  }
}
