#include "kpu/ir/op_registry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu {
namespace {

using ::testing::HasSubstr;

ir::Node MakeNode(const std::string& op, int n_inputs) {
  ir::Node node;
  node.set_name("n0");
  node.set_op_type(op);
  for (int i = 0; i < n_inputs; ++i) node.add_inputs("in" + std::to_string(i));
  node.add_outputs("out");
  return node;
}

TensorType F32(Shape s) { return {ir::FLOAT32, std::move(s)}; }

TEST(OpRegistry, HoldsTheSliceOps) {
  auto names = OpRegistry::Global().Names();
  for (const char* op : {"add", "linear", "matmul", "relu", "softmax"}) {
    EXPECT_THAT(names, ::testing::Contains(op));
  }
}

TEST(OpRegistry, InfersLinearShape) {
  auto out = OpRegistry::Global().Infer(MakeNode("linear", 3), {F32({16, 784}), F32({128, 784}), F32({128})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape, (Shape{16, 128}));
}

TEST(OpRegistry, InfersMatmulWithTransposedB) {
  ir::Node node = MakeNode("matmul", 2);
  (*node.mutable_attributes())["transpose_b"] = IntAttr(1);
  auto out = OpRegistry::Global().Infer(node, {F32({4, 8}), F32({3, 8})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape, (Shape{4, 3}));
}

TEST(OpRegistry, RejectsInnerDimensionMismatch) {
  auto out = OpRegistry::Global().Infer(MakeNode("matmul", 2), {F32({4, 8}), F32({9, 3})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(KindOf(out.status()), ErrorKind::kShapeMismatch);
  EXPECT_THAT(out.status().message(), HasSubstr("expected (8), got (9)"));
  EXPECT_THAT(out.status().message(), HasSubstr("node 'n0' (matmul)"));
}

TEST(OpRegistry, BroadcastsAdd) {
  auto out = OpRegistry::Global().Infer(MakeNode("add", 2), {F32({2, 5}), F32({5})});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape, (Shape{2, 5}));
  EXPECT_FALSE(OpRegistry::Global().Infer(MakeNode("add", 2), {F32({2, 5}), F32({4})}).ok());
}

TEST(OpRegistry, UnknownOpIsNamed) {
  auto out = OpRegistry::Global().Infer(MakeNode("InstanceNorm", 1), {F32({1, 2})});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(KindOf(out.status()), ErrorKind::kUnsupportedOp);
  EXPECT_EQ(out.status().message(), "Unsupported operators: InstanceNorm");
}

TEST(OpRegistry, RejectsWrongArityAndUnknownAttribute) {
  EXPECT_THAT(OpRegistry::Global().Infer(MakeNode("relu", 2), {F32({1}), F32({1})}).status().message(),
              HasSubstr("takes 1 inputs, got 2"));
  ir::Node node = MakeNode("relu", 1);
  (*node.mutable_attributes())["alpha"] = IntAttr(1);
  EXPECT_THAT(OpRegistry::Global().Infer(node, {F32({1})}).status().message(),
              HasSubstr("has no attribute 'alpha'"));
}

TEST(OpRegistry, SoftmaxAxisChecked) {
  ir::Node node = MakeNode("softmax", 1);
  (*node.mutable_attributes())["axis"] = IntAttr(2);
  EXPECT_THAT(OpRegistry::Global().Infer(node, {F32({4, 10})}).status().message(),
              HasSubstr("axis 2 is out of range"));
}

TEST(InferGraph, ReportsAllUnknownOpsTogether) {
  ir::Graph g;
  auto* x = g.add_tensors();
  x->set_name("x");
  x->set_dtype(ir::FLOAT32);
  x->add_shape(2);
  g.add_inputs("x");
  for (const char* op : {"InstanceNorm", "relu", "GroupNorm", "InstanceNorm"}) {
    ir::Node* n = g.add_nodes();
    n->set_op_type(op);
    n->add_inputs("x");
    n->add_outputs(std::string("y_") + std::to_string(g.nodes_size()));
  }
  g.add_outputs("y_2");
  absl::Status s = InferGraph(&g);
  EXPECT_EQ(s.message(), "Unsupported operators: InstanceNorm, GroupNorm");
}

// Found by tests/fuzz:graph_fuzzer: outputs [y, y] compiled into a program whose runtime refuses
// the second 'y' (each name is given once to kpu_execute).
TEST(InferGraph, InputsAndOutputsAreListedOnce) {
  for (bool twice_in : {true, false}) {
    ir::Graph g;
    auto* x = g.add_tensors();
    x->set_name("x");
    x->set_dtype(ir::FLOAT32);
    x->add_shape(2);
    g.add_inputs("x");
    if (twice_in) g.add_inputs("x");
    ir::Node* n = g.add_nodes();
    n->set_op_type("relu");
    n->add_inputs("x");
    n->add_outputs("y");
    g.add_outputs("y");
    if (!twice_in) g.add_outputs("y");
    EXPECT_EQ(InferGraph(&g).message(), twice_in ? "graph input 'x' is listed twice" : "graph output 'y' is listed twice");
  }
}

// Found by tests/fuzz:graph_fuzzer: a graph input that also carried data compiled into a program
// whose loader refused it ("input 's' is not an INPUT tensor").
TEST(InferGraph, AnInputIsNotAlsoAConstant) {
  ir::Graph g;
  for (const char* name : {"x", "s"}) {
    auto* t = g.add_tensors();
    t->set_name(name);
    t->set_dtype(ir::FLOAT32);
    t->add_shape(1);
    g.add_inputs(name);
  }
  g.mutable_tensors(1)->add_float_data(0.5f);
  ir::Node* n = g.add_nodes();
  n->set_op_type("sub");
  n->add_inputs("x");
  n->add_inputs("s");
  n->add_outputs("y");
  g.add_outputs("y");
  EXPECT_EQ(InferGraph(&g).message(), "graph input 's' is also a constant (it has data): a tensor is one or the other");
}

}  // namespace
}  // namespace kpu
