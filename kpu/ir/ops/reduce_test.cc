#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(ReduceOps, AxesAndKeepdim) {
  EXPECT_EQ(*NodeBuilder("mean").Ints("axes", {-1, -2}).Int("keepdim", 1).InferShape({F32({2, 3, 4, 5})}),
            (Shape{2, 3, 1, 1}));
  EXPECT_EQ(*NodeBuilder("sum").Ints("axes", {1}).InferShape({F32({2, 3, 4})}), (Shape{2, 4}));
  EXPECT_EQ(*NodeBuilder("amax").InferShape({F32({2, 3})}), (Shape{}));
  EXPECT_THAT(NodeBuilder("sum").Ints("axes", {1, -1}).Infer({F32({2, 3})}).status().message(), HasSubstr("repeat"));
  EXPECT_THAT(NodeBuilder("sum").Ints("axes", {2}).Infer({F32({2, 3})}).status().message(),
              HasSubstr("axis 2 is out of range"));
}

}  // namespace
}  // namespace kpu::ops::testing
