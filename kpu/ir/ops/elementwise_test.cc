#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(ElementwiseOps, UnaryKeepsShape) {
  for (const char* op : {"relu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid", "hardtanh", "leaky_relu",
                         "gelu", "clamp"}) {
    auto a = NodeBuilder(op).InferShape({F32({2, 3})});
    ASSERT_TRUE(a.ok()) << op << ": " << a.status();
    EXPECT_EQ(*a, (Shape{2, 3})) << op;
  }
}

TEST(ElementwiseOps, AttributesChecked) {
  EXPECT_THAT(NodeBuilder("gelu").Str("approximate", "fast").Infer({F32({2})}).status().message(),
              HasSubstr("approximate 'fast' is not one of none, tanh"));
  EXPECT_THAT(NodeBuilder("hardtanh").Float("min_val", 6).Float("max_val", 0).Infer({F32({2})}).status().message(),
              HasSubstr("greater than max_val"));
  EXPECT_TRUE(NodeBuilder("clamp").Float("min", 0).Infer({F32({2})}).ok());
  EXPECT_FALSE(NodeBuilder("clamp").Str("min", "0").Infer({F32({2})}).ok());
}

TEST(ElementwiseOps, BinaryBroadcastsWithScalars) {
  for (const char* op : {"add", "sub", "mul", "div"}) {
    auto a = NodeBuilder(op).InferShape({F32({2, 1, 4}), F32({3, 1})});
    ASSERT_TRUE(a.ok()) << op;
    EXPECT_EQ(*a, (Shape{2, 3, 4}));
    auto s = NodeBuilder(op).InferShape({F32({2, 4}), F32({})});
    ASSERT_TRUE(s.ok()) << op;
    EXPECT_EQ(*s, (Shape{2, 4}));
  }
  EXPECT_THAT(NodeBuilder("mul").Infer({F32({2, 4}), F32({3})}).status().message(), HasSubstr("do not broadcast"));
}

}  // namespace
}  // namespace kpu::ops::testing
