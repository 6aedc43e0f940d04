#include "kpu/compiler/passes.h"

#include "gtest/gtest.h"
#include "kpu/ir/graph_util.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;

TEST(Passes, MlpFusesToThreeMatmulsAndSoftmax) {
  ir::Graph g = kpu::testing::MnistMlp(2);
  ASSERT_TRUE(InferGraph(&g).ok());
  ASSERT_TRUE(CanonicalizeLinear(&g).ok());
  ASSERT_TRUE(PretransposeConstantWeights(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseMatmulEpilogues(&g, &fused).ok());
  ASSERT_EQ(g.nodes_size(), 4);
  EXPECT_EQ(g.nodes(0).op_type(), "matmul");
  EXPECT_EQ(GetString(g.nodes(0).attributes(), "activation", "none"), "relu");
  EXPECT_EQ(g.nodes(0).outputs(0), "a1");
  EXPECT_EQ(GetString(g.nodes(2).attributes(), "activation", "none"), "none");
  EXPECT_EQ(g.nodes(3).op_type(), "softmax");
  EXPECT_EQ(fused.size(), 2u);
  // Weights are stored [K, N] after pretransposition.
  for (const auto& t : g.tensors()) {
    if (t.name() == "fc1.weight") {
      EXPECT_EQ(t.shape(0), 784);
      EXPECT_EQ(t.shape(1), 128);
    }
  }
  EXPECT_TRUE(InferGraph(&g).ok());
}

TEST(Passes, PretransposeMovesValues) {
  ir::Graph g;
  AddInput(&g, "x", {1, 3});
  AddConstant(&g, "w", {2, 3}, {1, 2, 3, 4, 5, 6});
  ir::Node* n = AddNode(&g, "matmul", {"x", "w"}, "y");
  (*n->mutable_attributes())["transpose_b"] = IntAttr(1);
  g.add_outputs("y");
  ASSERT_TRUE(PretransposeConstantWeights(&g).ok());
  const float* w = reinterpret_cast<const float*>(g.tensors(1).raw_data().data());
  EXPECT_EQ(std::vector<float>(w, w + 6), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_FALSE(g.nodes(0).attributes().contains("transpose_b"));
}

// A batched constant B [2, N, K] with transpose_b transposes matrix by matrix (once, its first two
// dims were swapped as if it were [N, K]).
TEST(Passes, PretransposeBatchedWeights) {
  ir::Graph g;
  AddInput(&g, "x", {2, 1, 3});
  AddConstant(&g, "w", {2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  ir::Node* n = AddNode(&g, "matmul", {"x", "w"}, "y");
  (*n->mutable_attributes())["transpose_b"] = IntAttr(1);
  g.add_outputs("y");
  ASSERT_TRUE(PretransposeConstantWeights(&g).ok());
  const ir::Tensor& t = g.tensors(1);
  EXPECT_EQ(std::vector<int64_t>(t.shape().begin(), t.shape().end()), (std::vector<int64_t>{2, 3, 2}));
  const float* w = reinterpret_cast<const float*>(t.raw_data().data());
  EXPECT_EQ(std::vector<float>(w, w + 12), (std::vector<float>{1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12}));
  EXPECT_TRUE(InferGraph(&g).ok());
}

TEST(Passes, AddFusesOnlyAsBias) {
  // add(matmul, x2) where x2 is [1, 4] full-rank: not a bias, must stay an add.
  ir::Graph g;
  AddInput(&g, "x", {3, 4});
  AddInput(&g, "z", {3, 4});
  AddConstant(&g, "w", {4, 4}, std::vector<float>(16, 1.0f));
  AddNode(&g, "matmul", {"x", "w"}, "m");
  AddNode(&g, "add", {"m", "z"}, "y");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseMatmulEpilogues(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 2);
  EXPECT_TRUE(fused.empty());
}

TEST(Passes, MatmulFeedingAGraphOutputIsNotFused) {
  ir::Graph g;
  AddInput(&g, "x", {3, 4});
  AddConstant(&g, "w", {4, 4}, std::vector<float>(16, 1.0f));
  AddNode(&g, "matmul", {"x", "w"}, "m");
  AddNode(&g, "relu", {"m"}, "y");
  g.add_outputs("m");
  g.add_outputs("y");
  ASSERT_TRUE(InferGraph(&g).ok());
  std::vector<FusionRecord> fused;
  ASSERT_TRUE(FuseMatmulEpilogues(&g, &fused).ok());
  EXPECT_EQ(g.nodes_size(), 2);
}

TEST(Passes, DeadCodeEliminationDropsUnusedNodesAndConstants) {
  ir::Graph g;
  AddInput(&g, "x", {2, 2});
  AddConstant(&g, "unused", {2}, {1, 2});
  AddNode(&g, "relu", {"x"}, "dead");
  AddNode(&g, "relu", {"x"}, "y");
  g.add_outputs("y");
  ASSERT_TRUE(EliminateDeadCode(&g).ok());
  ASSERT_EQ(g.nodes_size(), 1);
  EXPECT_EQ(g.nodes(0).outputs(0), "y");
  for (const auto& t : g.tensors()) EXPECT_NE(t.name(), "unused");
}

}  // namespace
}  // namespace kpu::compiler
