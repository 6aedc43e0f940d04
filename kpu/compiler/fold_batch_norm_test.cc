#include <cmath>
#include <cstring>

#include "gtest/gtest.h"
#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;

std::vector<float> Values(const ir::Graph& g, const std::string& name) {
  for (const ir::Tensor& t : g.tensors()) {
    if (t.name() != name) continue;
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    return v;
  }
  return {};
}

// BN parameters over 2 channels: s = gamma / sqrt(var + eps) = {2, 0.5} with eps = 0.
void AddBatchNorm(ir::Graph* g, const std::string& x, const std::string& y) {
  AddConstant(g, "gamma", {2}, {2.0f, 1.0f});
  AddConstant(g, "beta", {2}, {1.0f, -1.0f});
  AddConstant(g, "mean", {2}, {3.0f, 4.0f});
  AddConstant(g, "var", {2}, {1.0f, 4.0f});
  ir::Node* bn = AddNode(g, "batch_norm", {x, "gamma", "beta", "mean", "var"}, y);
  (*bn->mutable_attributes())["epsilon"].set_f(0.0);
}

TEST(FoldBatchNorm, ScalesConvFiltersAndMakesABias) {
  ir::Graph g;
  AddInput(&g, "x", {1, 3, 4, 4});
  AddConstant(&g, "w", {2, 3, 1, 1}, {1, 2, 3, 4, 5, 6});
  AddNode(&g, "conv2d", {"x", "w"}, "c");
  AddBatchNorm(&g, "c", "y");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FoldBatchNorm(&g, &fused).ok());
  ASSERT_EQ(g.nodes_size(), 1);
  const ir::Node& conv = g.nodes(0);
  EXPECT_EQ(conv.op_type(), "conv2d");
  EXPECT_EQ(conv.outputs(0), "y");
  ASSERT_EQ(conv.inputs_size(), 3);
  EXPECT_EQ(Values(g, conv.inputs(1)), (std::vector<float>{2, 4, 6, 2, 2.5, 3}));
  // b' = (0 - mean) * s + beta
  EXPECT_EQ(Values(g, conv.inputs(2)), (std::vector<float>{-5, -3}));
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].into, conv.name());
  EXPECT_EQ(fused[0].fused, "y_batch_norm");
  // The original weight is gone (nothing reads it); the statistics too.
  for (const ir::Tensor& t : g.tensors()) {
    EXPECT_NE(t.name(), "w");
    EXPECT_NE(t.name(), "mean");
  }
}

TEST(FoldBatchNorm, FoldsIntoAnExistingBiasAndKeepsASharedWeight) {
  ir::Graph g;
  AddInput(&g, "x", {1, 1, 2, 2});
  AddConstant(&g, "w", {2, 1, 1, 1}, {1, 1});
  AddConstant(&g, "b", {2}, {1, 2});
  AddNode(&g, "conv2d", {"x", "w", "b"}, "c");
  AddNode(&g, "conv2d", {"x", "w"}, "other");
  AddBatchNorm(&g, "c", "y");
  g.add_outputs("y");
  g.add_outputs("other");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FoldBatchNorm(&g, &fused).ok());
  ASSERT_EQ(g.nodes_size(), 2);
  EXPECT_EQ(Values(g, g.nodes(0).inputs(2)), (std::vector<float>{(1 - 3) * 2 + 1.0f, (2 - 4) * 0.5f - 1}));
  EXPECT_EQ(g.nodes(1).inputs(1), "w");
  EXPECT_EQ(Values(g, "w"), (std::vector<float>{1, 1}));
}

TEST(FoldBatchNorm, ScalesMatmulColumnsInEitherWeightLayout) {
  for (int transpose_b : {0, 1}) {
    ir::Graph g;
    AddInput(&g, "x", {3, 2});
    // [K, N] = [[1, 2], [3, 4]]; with transpose_b the same numbers are [N, K].
    AddConstant(&g, "w", {2, 2}, {1, 2, 3, 4});
    ir::Node* mm = AddNode(&g, "matmul", {"x", "w"}, "m");
    (*mm->mutable_attributes())["transpose_b"] = IntAttr(transpose_b);
    AddBatchNorm(&g, "m", "y");
    g.add_outputs("y");
    ASSERT_TRUE(InferGraph(&g).ok());
    std::vector<FusionRecord> fused;
    ASSERT_TRUE(FoldBatchNorm(&g, &fused).ok());
    ASSERT_EQ(g.nodes_size(), 1);
    const std::vector<float> expect = transpose_b ? std::vector<float>{2, 4, 1.5, 2} : std::vector<float>{2, 1, 6, 2};
    EXPECT_EQ(Values(g, g.nodes(0).inputs(1)), expect) << "transpose_b=" << transpose_b;
  }
}

TEST(FoldBatchNorm, LeavesWhatItCannotFold) {
  // The conv output is also a graph output; a BN on a graph input; a conv with an activation.
  ir::Graph g;
  AddInput(&g, "x", {1, 3, 4, 4});
  AddInput(&g, "z", {1, 2, 4, 4});
  AddConstant(&g, "w", {2, 3, 1, 1}, std::vector<float>(6, 1.0f));
  AddNode(&g, "conv2d", {"x", "w"}, "c");
  AddBatchNorm(&g, "c", "y");
  AddNode(&g, "batch_norm", {"z", "gamma", "beta", "mean", "var"}, "y2");
  ir::Node* act = AddNode(&g, "conv2d", {"x", "w"}, "c3");
  (*act->mutable_attributes())["activation"] = StringAttr("relu");
  AddNode(&g, "batch_norm", {"c3", "gamma", "beta", "mean", "var"}, "y3");
  for (const char* o : {"c", "y", "y2", "y3"}) g.add_outputs(o);
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FoldBatchNorm(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 5);
  EXPECT_TRUE(fused.empty());
}

// A BN after an op with one input (conv -> relu -> BN, or pooling -> BN) stays: once, the rule read
// the relu's second input, which it does not have, and the compile crashed.
TEST(FoldBatchNorm, LeavesABatchNormAfterAOneInputOp) {
  ir::Graph g;
  AddInput(&g, "x", {1, 3, 4, 4});
  AddConstant(&g, "w", {2, 3, 1, 1}, std::vector<float>(6, 1.0f));
  AddNode(&g, "conv2d", {"x", "w"}, "c");
  AddNode(&g, "relu", {"c"}, "r");
  AddBatchNorm(&g, "r", "y");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FoldBatchNorm(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 3);
  EXPECT_TRUE(fused.empty());
}

}  // namespace
}  // namespace kpu::compiler
