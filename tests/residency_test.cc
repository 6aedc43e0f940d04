// On-chip residency (issue 5, point 6): an activation kept in its L2/L3 home between ops changes
// where bytes travel, not the values. A small CNN compiled with residency on and off gives the
// same outputs on the fast engine, the tile interpreter (which refuses to find a homed tensor in
// DRAM and charges homes against each level's capacity) and the reordered interpreter, equal to a
// plain double-precision reference; the resident program moves fewer DRAM bytes and reports the
// SRAM its homes occupy. A home beyond its level is rejected at load.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/shape.h"
#include "kpu/runtime/executor.h"
#include "kpu/runtime/validator.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

constexpr int64_t kC = 8, kH = 12, kF = 16, kClasses = 10;

struct Weights {
  std::vector<float> w1 = RandomValues(kF * kC * 9, 0.2f, 1), b1 = RandomValues(kF, 0.1f, 2);
  std::vector<float> w2 = RandomValues(kF * kF * 9, 0.2f, 3);
  std::vector<float> fc = RandomValues(kF * (kH / 2) * (kH / 2) * kClasses, 0.05f, 4);
};

// conv(8->16, 3x3, pad 1, bias) -> relu -> max_pool 2x2 -> conv(16->16) + pooled (residual) ->
// relu -> flatten (a reshape alias) -> matmul -> logits.
ir::Graph SmallCnn(const Weights& w) {
  ir::Graph g;
  AddInput(&g, "x", {1, kC, kH, kH});
  AddConstant(&g, "w1", {kF, kC, 3, 3}, w.w1);
  AddConstant(&g, "b1", {kF}, w.b1);
  ir::Node* c1 = AddNode(&g, "conv2d", {"x", "w1", "b1"}, "c1");
  (*c1->mutable_attributes())["padding"].mutable_ints()->mutable_values()->Resize(4, 1);
  AddNode(&g, "relu", {"c1"}, "r1");
  ir::Node* pool = AddNode(&g, "max_pool2d", {"r1"}, "p");
  for (const char* a : {"kernel", "stride"}) (*pool->mutable_attributes())[a].mutable_ints()->mutable_values()->Resize(2, 2);
  AddConstant(&g, "w2", {kF, kF, 3, 3}, w.w2);
  ir::Node* c2 = AddNode(&g, "conv2d", {"p", "w2"}, "c2");
  (*c2->mutable_attributes())["padding"].mutable_ints()->mutable_values()->Resize(4, 1);
  AddNode(&g, "add", {"c2", "p"}, "s");
  AddNode(&g, "relu", {"s"}, "r2");
  ir::Node* flat = AddNode(&g, "reshape", {"r2"}, "flat");
  auto* shape = (*flat->mutable_attributes())["shape"].mutable_ints()->mutable_values();
  shape->Add(1);
  shape->Add(-1);
  AddConstant(&g, "fc", {kF * (kH / 2) * (kH / 2), kClasses}, w.fc);
  AddNode(&g, "matmul", {"flat", "fc"}, "logits");
  g.add_outputs("logits");
  return g;
}

// 3x3 conv, stride 1, padding 1, NCHW, batch 1, in double.
std::vector<double> Conv3x3(const std::vector<double>& x, int64_t c_in, int64_t h, const std::vector<float>& w,
                            int64_t c_out) {
  std::vector<double> y(c_out * h * h, 0.0);
  for (int64_t o = 0; o < c_out; ++o)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < h; ++j) {
        double acc = 0;
        for (int64_t c = 0; c < c_in; ++c)
          for (int64_t di = 0; di < 3; ++di)
            for (int64_t dj = 0; dj < 3; ++dj) {
              const int64_t ii = i + di - 1, jj = j + dj - 1;
              if (ii < 0 || jj < 0 || ii >= h || jj >= h) continue;
              acc += x[(c * h + ii) * h + jj] * w[((o * c_in + c) * 3 + di) * 3 + dj];
            }
        y[(o * h + i) * h + j] = acc;
      }
  return y;
}

std::vector<float> Reference(const Weights& w, const std::vector<float>& xf) {
  std::vector<double> x(xf.begin(), xf.end());
  std::vector<double> r1 = Conv3x3(x, kC, kH, w.w1, kF);
  for (int64_t o = 0; o < kF; ++o)
    for (int64_t e = 0; e < kH * kH; ++e) r1[o * kH * kH + e] = std::max(0.0, r1[o * kH * kH + e] + w.b1[o]);
  const int64_t h = kH / 2;
  std::vector<double> p(kF * h * h);
  for (int64_t c = 0; c < kF; ++c)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < h; ++j) {
        double m = -INFINITY;
        for (int64_t di = 0; di < 2; ++di)
          for (int64_t dj = 0; dj < 2; ++dj) m = std::max(m, r1[(c * kH + 2 * i + di) * kH + 2 * j + dj]);
        p[(c * h + i) * h + j] = m;
      }
  std::vector<double> r2 = Conv3x3(p, kF, h, w.w2, kF);
  for (size_t e = 0; e < r2.size(); ++e) r2[e] = std::max(0.0, r2[e] + p[e]);
  std::vector<float> logits(kClasses);
  for (int64_t n = 0; n < kClasses; ++n) {
    double acc = 0;
    for (size_t k = 0; k < r2.size(); ++k) acc += r2[k] * w.fc[k * kClasses + n];
    logits[n] = static_cast<float>(acc);
  }
  return logits;
}

struct Outcome {
  Program program;
  std::vector<float> fast, interpreted, reordered;
  ir::KPUPerformanceMetrics metrics;
};

Outcome CompileAndRun(const ir::Graph& g, const ir::KPUConfig& config, bool residency, const std::vector<float>& x) {
  SCOPED_TRACE(residency ? "residency on" : "residency off");
  compiler::CompileOptions options;
  options.enable_residency = residency;
  auto program = compiler::Compile(g, config, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  Outcome r{*program, {}, {}, {}, {}};
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << exec.status();
  if (!exec.ok()) return r;
  std::vector<runtime::HostTensor> in = {
      {"x", ir::FLOAT32, {1, kC, kH, kH}, const_cast<float*>(x.data()), x.size() * sizeof(float)}};
  for (auto [engine, data] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted},
                              {runtime::Engine::kDfxInterpreterReordered, &r.reordered}}) {
    data->resize(kClasses);
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, {{"logits", ir::FLOAT32, {1, kClasses}, data->data(), data->size() * sizeof(float)}}, o);
    EXPECT_TRUE(s.ok()) << s;
  }
  r.metrics = *(*exec)->last_metrics();
  return r;
}

const ir::TensorDescriptor* Find(const ir::KPUProgram& p, const std::string& name) {
  for (const auto& t : p.tensors().tensors()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4) << what << " at " << i;
}

// The default config, and one whose L2 is too small for any activation beside the tiles, so the
// homes go to L3 and tiles hop from L3 through L2 to L1.
ir::KPUConfig SmallL2() {
  ir::KPUConfig c = DefaultConfig();
  for (auto& m : *c.mutable_memory()) {
    if (m.level() == ir::L2) {
      m.set_instances(1);
      m.set_bytes_per_instance(12 * 1024);
    }
  }
  return c;
}

class ResidencyOnConfig : public ::testing::TestWithParam<bool> {};

TEST_P(ResidencyOnConfig, SmallCnnKeepsActivationsOnChipWithTheSameValuesAndFewerDramBytes) {
  const bool small_l2 = GetParam();
  const ir::KPUConfig config = small_l2 ? SmallL2() : DefaultConfig();
  const Weights w;
  const ir::Graph g = SmallCnn(w);
  const std::vector<float> x = RandomValues(kC * kH * kH, 1.0f, 9);
  const std::vector<float> ref = Reference(w, x);
  Outcome on = CompileAndRun(g, config, true, x);
  Outcome off = CompileAndRun(g, config, false, x);
  ASSERT_FALSE(on.fast.empty());
  ASSERT_FALSE(off.fast.empty());
  for (const Outcome* o : {&on, &off}) {
    ExpectClose(o->fast, ref, "fast vs reference");
    ExpectClose(o->interpreted, ref, "interpreter vs reference");
    EXPECT_EQ(o->interpreted, o->reordered) << "the reordered interpreter disagrees: a dependency is missing";
  }
  EXPECT_EQ(on.fast, off.fast);

  // Every activation between ops has a home on chip here (they are small), the flatten alias
  // shares its root's, and the graph's input and output stay in DRAM.
  const ir::KPUProgram& p = on.program.proto;
  int activations = 0;
  for (const auto& t : p.tensors().tensors()) {
    if (t.kind() != ir::TensorDescriptor::ACTIVATION) continue;
    ++activations;
    EXPECT_NE(t.home(), ir::EXTERNAL) << t.name() << " should live on chip";
    if (small_l2 && t.home() != ir::EXTERNAL && !p.tensors().tensors().empty()) {
      uint64_t bytes = 4;
      for (int64_t d : t.shape()) bytes *= d;
      if (bytes > 4096) EXPECT_EQ(t.home(), ir::L3) << t.name();
    }
  }
  EXPECT_GE(activations, 3);
  std::string flat_root;
  for (const auto& op : p.operations().ops()) {
    if (op.op_type() == "reshape") flat_root = op.inputs(0);
  }
  const ir::TensorDescriptor* flat = Find(p, "flat");
  const ir::TensorDescriptor* root = Find(p, flat_root);
  ASSERT_NE(flat, nullptr);
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(flat->home(), root->home());
  EXPECT_EQ(flat->home_offset(), root->home_offset());
  EXPECT_EQ(Find(p, "x")->home(), ir::EXTERNAL);
  EXPECT_EQ(Find(p, "logits")->home(), ir::EXTERNAL);
  for (const auto& t : off.program.proto.tensors().tensors()) EXPECT_EQ(t.home(), ir::EXTERNAL) << t.name();

  // Nothing moves an on-chip tensor through DRAM, so DRAM carries fewer bytes: the input, the
  // weights and the output only.
  const uint64_t dram_on = on.metrics.dram_reads_bytes() + on.metrics.dram_writes_bytes();
  const uint64_t dram_off = off.metrics.dram_reads_bytes() + off.metrics.dram_writes_bytes();
  EXPECT_LT(dram_on, dram_off);
  EXPECT_EQ(on.metrics.dram_writes_bytes(), kClasses * sizeof(float));
  EXPECT_LT(on.program.proto.metadata().peak_dram_bytes(), off.program.proto.metadata().peak_dram_bytes());

  // Peak SRAM per level, in the program and the metrics: the homes add to the level they live in.
  uint64_t homed_levels = 0;
  for (const auto& s : p.metadata().sram_levels()) {
    EXPECT_LE(s.peak_bytes(), LevelCapacity(*FindLevel(config, s.level())));
    if (s.home_arena_bytes() > 0) {
      ++homed_levels;
      EXPECT_GE(s.peak_bytes(), s.home_arena_bytes());
    }
  }
  EXPECT_GE(homed_levels, 1u);
  EXPECT_GT(on.metrics.peak_l1_bytes(), 0u);
  EXPECT_GT(on.metrics.peak_l2_bytes() + on.metrics.peak_l3_bytes(),
            off.metrics.peak_l2_bytes() + off.metrics.peak_l3_bytes());
}

INSTANTIATE_TEST_SUITE_P(DefaultAndSmallL2, ResidencyOnConfig, ::testing::Bool());

TEST(Residency, ValidatorRejectsAHomeBeyondItsLevel) {
  const Weights w;
  auto program = compiler::Compile(SmallCnn(w), DefaultConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  ASSERT_TRUE(runtime::ValidateProgram(*program).ok());
  ir::TensorDescriptor* homed = nullptr;
  for (auto& t : *program->proto.mutable_tensors()->mutable_tensors()) {
    if (t.home() != ir::EXTERNAL) homed = &t;
  }
  ASSERT_NE(homed, nullptr);
  const uint64_t capacity = LevelCapacity(*FindLevel(DefaultConfig(), homed->home()));

  Program beyond = *program;
  for (auto& t : *beyond.proto.mutable_tensors()->mutable_tensors()) {
    if (t.name() == homed->name()) t.set_home_offset(capacity - 64);
  }
  absl::Status s = runtime::ValidateProgram(beyond);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("exceeds"), std::string::npos) << s;
  EXPECT_NE(s.message().find(homed->name()), std::string::npos) << s;

  Program wrapping = *program;
  for (auto& t : *wrapping.proto.mutable_tensors()->mutable_tensors()) {
    if (t.name() == homed->name()) t.set_home_offset(UINT64_MAX - 8);
  }
  EXPECT_FALSE(runtime::ValidateProgram(wrapping).ok());

  Program input_home = *program;
  for (auto& t : *input_home.proto.mutable_tensors()->mutable_tensors()) {
    if (t.name() == "x") t.set_home(ir::L2);
  }
  s = runtime::ValidateProgram(input_home);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("only activations"), std::string::npos) << s;

  Program bad_level = *program;
  for (auto& t : *bad_level.proto.mutable_tensors()->mutable_tensors()) {
    if (t.name() == homed->name()) t.set_home(static_cast<ir::MemoryLevel>(77));
  }
  EXPECT_FALSE(runtime::ValidateProgram(bad_level).ok());

  // Homes that fit alone but leave an op no room for its tiles in that level.
  Program crowded = *program;
  for (auto& op : *crowded.proto.mutable_operations()->mutable_ops()) op.set_staging_bytes(capacity);
  s = runtime::ValidateProgram(crowded);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("SRAM memory exceeded"), std::string::npos) << s;
}

}  // namespace
}  // namespace kpu
