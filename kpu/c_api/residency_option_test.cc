// kpu_compile_options.enable_residency through the C ABI: on (the default, also for an older
// caller whose struct ends before the field), activations stay on chip and DRAM carries fewer
// bytes, with the same outputs; kpu_metrics reports the peak SRAM per level.
#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"

namespace {

// x[2, 64] -> linear(64 -> 32) -> h -> linear(32 -> 8) -> y: h is an activation between ops.
kpu_graph* TwoLayers() {
  kpu_graph* g = nullptr;
  EXPECT_EQ(kpu_graph_create("two_layers", &g), KPU_OK);
  int64_t xd[2] = {2, 64}, w1d[2] = {32, 64}, w2d[2] = {8, 32};
  std::vector<float> w1(32 * 64), w2(8 * 32);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<float>((i * 7) % 13) / 13.0f - 0.5f;
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>((i * 5) % 11) / 11.0f - 0.5f;
  EXPECT_EQ(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, xd), KPU_OK);
  EXPECT_EQ(kpu_graph_add_constant(g, "w1", KPU_DTYPE_FLOAT32, 2, w1d, w1.data(), w1.size() * sizeof(float)), KPU_OK);
  EXPECT_EQ(kpu_graph_add_constant(g, "w2", KPU_DTYPE_FLOAT32, 2, w2d, w2.data(), w2.size() * sizeof(float)), KPU_OK);
  const char* in1[2] = {"x", "w1"};
  const char* out1[1] = {"h"};
  EXPECT_EQ(kpu_graph_add_node(g, "linear", "fc1", in1, 2, out1, 1, nullptr, 0), KPU_OK);
  const char* in2[2] = {"h", "w2"};
  const char* out2[1] = {"y"};
  EXPECT_EQ(kpu_graph_add_node(g, "linear", "fc2", in2, 2, out2, 1, nullptr, 0), KPU_OK);
  EXPECT_EQ(kpu_graph_add_output(g, "y"), KPU_OK);
  return g;
}

struct Outcome {
  std::vector<float> y = std::vector<float>(16);
  kpu_metrics m{};
};

Outcome CompileAndRun(const kpu_compile_options* options) {
  Outcome r;
  kpu_graph* g = TwoLayers();
  kpu_program* p = nullptr;
  EXPECT_EQ(kpu_compile(g, nullptr, options, &p), KPU_OK) << kpu_last_error();
  kpu_runtime* rt = nullptr;
  EXPECT_EQ(kpu_load(p, nullptr, &rt), KPU_OK) << kpu_last_error();
  std::vector<float> x(2 * 64);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 9) - 4.0f;
  int64_t xd[2] = {2, 64}, yd[2] = {2, 8};
  kpu_tensor in = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, xd, x.data(), x.size() * sizeof(float)};
  kpu_tensor out = {sizeof(kpu_tensor), "y", KPU_DTYPE_FLOAT32, 2, yd, r.y.data(), r.y.size() * sizeof(float)};
  EXPECT_EQ(kpu_execute(rt, &in, 1, &out, 1, nullptr), KPU_OK) << kpu_last_error();
  r.m.struct_size = sizeof(r.m);
  EXPECT_EQ(kpu_runtime_metrics(rt, &r.m), KPU_OK);
  kpu_runtime_destroy(rt);
  kpu_program_destroy(p);
  kpu_graph_destroy(g);
  return r;
}

TEST(ResidencyOption, OnByDefaultFewerDramBytesSameOutputs) {
  kpu_compile_options off;
  kpu_compile_options_init(&off);
  EXPECT_EQ(off.enable_residency, 1);
  off.enable_residency = 0;
  // A caller compiled against the header before enable_residency: its struct ends before it.
  kpu_compile_options older;
  kpu_compile_options_init(&older);
  older.enable_residency = 0;  // beyond struct_size: must be ignored
  older.struct_size = offsetof(kpu_compile_options, enable_residency);

  const Outcome on = CompileAndRun(nullptr);
  const Outcome dram = CompileAndRun(&off);
  const Outcome old = CompileAndRun(&older);
  EXPECT_EQ(on.y, dram.y);
  EXPECT_EQ(on.y, old.y);
  const uint64_t on_bytes = on.m.dram_reads_bytes + on.m.dram_writes_bytes;
  const uint64_t off_bytes = dram.m.dram_reads_bytes + dram.m.dram_writes_bytes;
  // h (2 x 32 floats) is written once and read back once less.
  EXPECT_LE(on_bytes + 2 * 2 * 32 * sizeof(float), off_bytes);
  EXPECT_EQ(old.m.dram_reads_bytes + old.m.dram_writes_bytes, on_bytes);
  EXPECT_GT(on.m.peak_l1_bytes, 0u);
  EXPECT_GT(on.m.peak_l2_bytes + on.m.peak_l3_bytes, dram.m.peak_l2_bytes + dram.m.peak_l3_bytes);
}

}  // namespace
