#include "gtest/gtest.h"
#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;

const ir::Tensor* FindTensor(const ir::Graph& g, const std::string& name) {
  for (const ir::Tensor& t : g.tensors()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// relu(conv(x) + x): the basic block's tail.
ir::Graph Residual(bool with_bias) {
  ir::Graph g;
  AddInput(&g, "x", {1, 2, 3, 3});
  AddConstant(&g, "w", {2, 2, 3, 3}, std::vector<float>(36, 0.5f));
  AddConstant(&g, "b", {2}, {1, 2});
  ir::Node* conv = AddNode(&g, "conv2d", with_bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, "c");
  (*conv->mutable_attributes())["padding"].mutable_ints()->mutable_values()->Resize(4, 1);
  AddNode(&g, "add", {"x", "c"}, "s");
  AddNode(&g, "relu", {"s"}, "y");
  g.add_outputs("y");
  EXPECT_TRUE(InferGraph(&g).ok());
  return g;
}

TEST(FuseConvResidual, AddsAZeroBiasWhenNeededThenTheActivationFuses) {
  for (bool with_bias : {false, true}) {
    ir::Graph g = Residual(with_bias);
    std::vector<FusionRecord> fused;
    ASSERT_TRUE(FuseConvResidual(&g, &fused).ok());
    ASSERT_EQ(g.nodes_size(), 2);
    const ir::Node& conv = g.nodes(0);
    ASSERT_EQ(conv.inputs_size(), 4);
    EXPECT_EQ(conv.inputs(3), "x");
    EXPECT_EQ(conv.outputs(0), "s");
    if (with_bias) {
      EXPECT_EQ(conv.inputs(2), "b");
    } else {
      const ir::Tensor* bias = FindTensor(g, conv.inputs(2));
      ASSERT_NE(bias, nullptr);
      EXPECT_EQ(bias->raw_data(), std::string(2 * sizeof(float), '\0'));
    }
    ASSERT_TRUE(FuseConvActivation(&g, &fused).ok());
    ASSERT_EQ(g.nodes_size(), 1);
    EXPECT_EQ(GetString(g.nodes(0).attributes(), "activation", "none"), "relu");
    ASSERT_EQ(fused.size(), 2u);
    EXPECT_EQ(fused[0].fused, "s_add");
    EXPECT_EQ(fused[1].fused, "y_relu");
  }
}

TEST(FuseConvResidual, TwoConvsTheLaterTakesTheEarlierAsResidual) {
  ir::Graph g;
  AddInput(&g, "x", {1, 2, 3, 3});
  AddConstant(&g, "w", {2, 2, 1, 1}, {1, 2, 3, 4});
  AddNode(&g, "conv2d", {"x", "w"}, "a");
  AddNode(&g, "conv2d", {"x", "w"}, "b");
  AddNode(&g, "add", {"a", "b"}, "y");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseConvResidual(&g, &fused).ok());
  ASSERT_EQ(g.nodes_size(), 2);
  EXPECT_EQ(g.nodes(1).outputs(0), "y");
  EXPECT_EQ(g.nodes(1).inputs(3), "a");
}

TEST(FuseConvResidual, NotForBroadcastsSharedOutputsOrActivatedConvs) {
  ir::Graph g;
  AddInput(&g, "x", {1, 2, 3, 3});
  AddInput(&g, "row", {1, 2, 1, 3});
  AddConstant(&g, "w", {2, 2, 1, 1}, {1, 2, 3, 4});
  AddNode(&g, "conv2d", {"x", "w"}, "a");
  AddNode(&g, "add", {"a", "row"}, "y1");  // broadcasts
  AddNode(&g, "conv2d", {"x", "w"}, "b");
  AddNode(&g, "add", {"b", "x"}, "y2");
  AddNode(&g, "relu", {"b"}, "y3");  // b has two readers
  ir::Node* act = AddNode(&g, "conv2d", {"x", "w"}, "c");
  (*act->mutable_attributes())["activation"] = StringAttr("relu");
  AddNode(&g, "add", {"c", "x"}, "y4");  // the activation came before the add
  for (const char* o : {"y1", "y2", "y3", "y4"}) g.add_outputs(o);
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseConvResidual(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 7);
  EXPECT_TRUE(fused.empty());
}

}  // namespace
}  // namespace kpu::compiler
