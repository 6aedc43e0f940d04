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

std::vector<float> Values(const ir::Graph& g, const std::string& name, std::vector<int64_t>* shape) {
  for (const ir::Tensor& t : g.tensors()) {
    if (t.name() != name) continue;
    shape->assign(t.shape().begin(), t.shape().end());
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    return v;
  }
  return {};
}

TEST(DecomposeBatchNorm, BecomesAPerChannelMulAndAdd) {
  ir::Graph g;
  AddInput(&g, "x", {2, 2, 3, 3});
  AddConstant(&g, "gamma", {2}, {2.0f, 1.0f});
  AddConstant(&g, "beta", {2}, {1.0f, -1.0f});
  AddConstant(&g, "mean", {2}, {3.0f, 4.0f});
  AddConstant(&g, "var", {2}, {1.0f, 4.0f});
  ir::Node* bn = AddNode(&g, "batch_norm", {"x", "gamma", "beta", "mean", "var"}, "y");
  (*bn->mutable_attributes())["epsilon"].set_f(0.0);
  AddNode(&g, "relu", {"y"}, "z");
  g.add_outputs("z");
  ASSERT_TRUE(InferGraph(&g).ok());
  ASSERT_TRUE(DecomposeBatchNorm(&g).ok());
  ASSERT_EQ(g.nodes_size(), 3);
  EXPECT_EQ(g.nodes(0).op_type(), "mul");
  EXPECT_EQ(g.nodes(1).op_type(), "add");
  EXPECT_EQ(g.nodes(1).outputs(0), "y");
  EXPECT_EQ(g.nodes(2).op_type(), "relu");
  std::vector<int64_t> shape;
  EXPECT_EQ(Values(g, g.nodes(0).inputs(1), &shape), (std::vector<float>{2, 0.5}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 1, 1}));
  // t = beta - mean * s
  EXPECT_EQ(Values(g, g.nodes(1).inputs(1), &shape), (std::vector<float>{-5, -3}));
  ASSERT_TRUE(TopologicalOrder(g).ok());
}

TEST(DecomposeBatchNorm, NotWithStatisticsComputedAtRunTime) {
  ir::Graph g;
  AddInput(&g, "x", {2, 2});
  AddInput(&g, "mean", {2});
  AddConstant(&g, "gamma", {2}, {2.0f, 1.0f});
  AddConstant(&g, "beta", {2}, {1.0f, -1.0f});
  AddConstant(&g, "var", {2}, {1.0f, 4.0f});
  AddNode(&g, "batch_norm", {"x", "gamma", "beta", "mean", "var"}, "y");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  ASSERT_TRUE(DecomposeBatchNorm(&g).ok());
  ASSERT_EQ(g.nodes_size(), 1);
  EXPECT_EQ(g.nodes(0).op_type(), "batch_norm");
}

}  // namespace
}  // namespace kpu::compiler
