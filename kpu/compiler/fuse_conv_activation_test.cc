#include "gtest/gtest.h"
#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;

ir::Graph ConvThen(const std::string& op, double min_val = 0, double max_val = 6) {
  ir::Graph g;
  AddInput(&g, "x", {1, 2, 3, 3});
  AddConstant(&g, "w", {2, 2, 1, 1}, {1, 2, 3, 4});
  AddNode(&g, "conv2d", {"x", "w"}, "c");
  ir::Node* act = AddNode(&g, op, {"c"}, "y");
  if (op == "hardtanh") {
    (*act->mutable_attributes())["min_val"].set_f(min_val);
    (*act->mutable_attributes())["max_val"].set_f(max_val);
  }
  g.add_outputs("y");
  EXPECT_TRUE(InferGraph(&g).ok());
  return g;
}

TEST(FuseConvActivation, EachEpilogueActivation) {
  for (auto [op, epilogue] : std::vector<std::pair<std::string, std::string>>{
           {"relu", "relu"}, {"hardtanh", "relu6"}, {"silu", "silu"}, {"hardswish", "hardswish"}, {"sigmoid", "sigmoid"}}) {
    ir::Graph g = ConvThen(op);
    std::vector<FusionRecord> fused;
    ASSERT_TRUE(FuseConvActivation(&g, &fused).ok()) << op;
    ASSERT_EQ(g.nodes_size(), 1) << op;
    EXPECT_EQ(GetString(g.nodes(0).attributes(), "activation", "none"), epilogue);
    EXPECT_EQ(g.nodes(0).outputs(0), "y");
    ASSERT_EQ(fused.size(), 1u);
    EXPECT_EQ(fused[0].fused, "y_" + op);
  }
}

TEST(FuseConvActivation, OtherHardtanhBoundsStaySeparate) {
  ir::Graph g = ConvThen("hardtanh", -1, 1);
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseConvActivation(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 2);
}

TEST(FuseConvActivation, NotWhenTheConvOutputHasAnotherReaderOrAnActivation) {
  ir::Graph g = ConvThen("relu");
  AddNode(&g, "sigmoid", {"c"}, "z");
  g.add_outputs("z");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseConvActivation(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 3);

  // relu(relu(conv)): the first fuses, the second cannot (the conv has its activation now).
  ir::Graph h = ConvThen("relu");
  AddNode(&h, "relu", {"y"}, "y2");
  h.set_outputs(0, "y2");
  ASSERT_TRUE(InferGraph(&h).ok());
  fused.clear();
  ASSERT_TRUE(FuseConvActivation(&h, &fused).ok());
  EXPECT_EQ(h.nodes_size(), 2);
  EXPECT_EQ(fused.size(), 1u);
}

}  // namespace
}  // namespace kpu::compiler
