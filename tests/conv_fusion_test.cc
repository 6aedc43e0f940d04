// Fusion changes the program, not the values: Conv+BN+ReLU (and a residual block) compiled with
// and without fusion give the same outputs on the fast engine and the tile interpreter, and the
// fused program has fewer ops and moves fewer DRAM bytes.
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/shape.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

struct Outcome {
  std::vector<float> fast, interpreted;
  int ops = 0;
  uint64_t dram_bytes = 0;
  std::vector<std::string> fused_with;
};

Outcome CompileAndRun(const ir::Graph& g, bool fusion, const std::vector<float>& x) {
  compiler::CompileOptions options;
  options.enable_fusion = fusion;
  auto program = compiler::Compile(g, DefaultConfig(), options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  Outcome r;
  const auto& p = program->proto;
  r.ops = p.operations().ops_size();
  for (const auto& op : p.operations().ops()) {
    for (const std::string& f : op.fused_with()) r.fused_with.push_back(f);
  }
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << exec.status();
  Shape in_shape, out_shape;
  for (const auto& t : p.tensors().tensors()) {
    if (t.name() == p.metadata().input_ids(0)) in_shape = ToShape(t.shape());
    if (t.name() == p.metadata().output_ids(0)) out_shape = ToShape(t.shape());
  }
  std::vector<runtime::HostTensor> in = {
      {p.metadata().input_ids(0), ir::FLOAT32, in_shape, const_cast<float*>(x.data()), x.size() * sizeof(float)}};
  for (auto [engine, data] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted}}) {
    data->resize(NumElements(out_shape));
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, {{p.metadata().output_ids(0), ir::FLOAT32, out_shape, data->data(), data->size() * sizeof(float)}}, o);
    EXPECT_TRUE(s.ok()) << s;
    const auto& m = *(*exec)->last_metrics();
    r.dram_bytes = m.dram_reads_bytes() + m.dram_writes_bytes();
  }
  return r;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
  return worst;
}

void AddBatchNorm(ir::Graph* g, const std::string& prefix, int64_t c, const std::string& x, const std::string& y,
                  uint32_t seed) {
  std::vector<float> var = RandomValues(c, 0.5f, seed + 3);
  for (float& v : var) v += 1.0f;  // positive variances
  AddConstant(g, prefix + ".weight", {c}, RandomValues(c, 1.0f, seed));
  AddConstant(g, prefix + ".bias", {c}, RandomValues(c, 0.5f, seed + 1));
  AddConstant(g, prefix + ".mean", {c}, RandomValues(c, 0.5f, seed + 2));
  AddConstant(g, prefix + ".var", {c}, var);
  AddNode(g, "batch_norm", {x, prefix + ".weight", prefix + ".bias", prefix + ".mean", prefix + ".var"}, y);
}

ir::Node* AddConv(ir::Graph* g, const std::string& name, int64_t c_in, int64_t c_out, const std::string& x,
                  const std::string& y, uint32_t seed) {
  AddConstant(g, name + ".weight", {c_out, c_in, 3, 3}, RandomValues(c_out * c_in * 9, 0.2f, seed));
  ir::Node* conv = AddNode(g, "conv2d", {x, name + ".weight"}, y);
  (*conv->mutable_attributes())["padding"].mutable_ints()->mutable_values()->Resize(4, 1);
  return conv;
}

TEST(ConvFusion, ConvBatchNormReluSameValuesFewerOpsFewerBytes) {
  ir::Graph g;
  AddInput(&g, "x", {1, 8, 12, 12});
  AddConv(&g, "conv", 8, 16, "x", "c", 1);
  AddBatchNorm(&g, "bn", 16, "c", "b", 10);
  AddNode(&g, "relu", {"b"}, "y");
  g.add_outputs("y");
  const std::vector<float> x = RandomValues(8 * 12 * 12, 1.0f, 7);
  Outcome unfused = CompileAndRun(g, false, x);
  Outcome fused = CompileAndRun(g, true, x);
  ASSERT_FALSE(fused.fast.empty());
  ASSERT_FALSE(unfused.fast.empty());
  // Unfused: conv, batch_norm, relu. Fused: one conv.
  EXPECT_EQ(unfused.ops, 3);
  EXPECT_EQ(fused.ops, 1);
  EXPECT_EQ(fused.fused_with, (std::vector<std::string>{"b_batch_norm", "y_relu"}));
  EXPECT_LE(MaxAbsDiff(fused.fast, unfused.fast), 1e-5);
  EXPECT_LE(MaxAbsDiff(fused.interpreted, unfused.interpreted), 1e-5);
  EXPECT_LE(MaxAbsDiff(fused.fast, fused.interpreted), 1e-5);
  EXPECT_LE(MaxAbsDiff(unfused.fast, unfused.interpreted), 1e-5);
  EXPECT_LT(fused.dram_bytes, unfused.dram_bytes);
}

TEST(ConvFusion, BasicBlockWithResidualSameValuesFewerOpsFewerBytes) {
  // relu(bn2(conv2(relu(bn1(conv1(x))))) + x): ResNet's basic block.
  ir::Graph g;
  AddInput(&g, "x", {1, 8, 10, 10});
  AddConv(&g, "conv1", 8, 8, "x", "c1", 1);
  AddBatchNorm(&g, "bn1", 8, "c1", "b1", 10);
  AddNode(&g, "relu", {"b1"}, "r1");
  AddConv(&g, "conv2", 8, 8, "r1", "c2", 2);
  AddBatchNorm(&g, "bn2", 8, "c2", "b2", 20);
  AddNode(&g, "add", {"b2", "x"}, "s");
  AddNode(&g, "relu", {"s"}, "y");
  g.add_outputs("y");
  const std::vector<float> x = RandomValues(8 * 10 * 10, 1.0f, 7);
  Outcome unfused = CompileAndRun(g, false, x);
  Outcome fused = CompileAndRun(g, true, x);
  ASSERT_FALSE(fused.fast.empty());
  ASSERT_FALSE(unfused.fast.empty());
  // Unfused: two convs, two batch norms, relu, add, relu.
  EXPECT_EQ(unfused.ops, 2 + 2 + 3);
  EXPECT_EQ(fused.ops, 2);
  EXPECT_EQ(fused.fused_with.size(), 5u);
  EXPECT_LE(MaxAbsDiff(fused.fast, unfused.fast), 1e-5);
  EXPECT_LE(MaxAbsDiff(fused.interpreted, unfused.interpreted), 1e-5);
  EXPECT_LE(MaxAbsDiff(fused.fast, fused.interpreted), 1e-5);
  EXPECT_LE(MaxAbsDiff(unfused.fast, unfused.interpreted), 1e-5);
  EXPECT_LT(fused.dram_bytes, unfused.dram_bytes);
}

}  // namespace
}  // namespace kpu
