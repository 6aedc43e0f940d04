#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(MatmulOps, BatchedBroadcasting) {
  EXPECT_EQ(*NodeBuilder("matmul").InferShape({F32({4, 2, 5, 3}), F32({3, 7})}), (Shape{4, 2, 5, 7}));
  EXPECT_EQ(*NodeBuilder("matmul").InferShape({F32({4, 1, 5, 3}), F32({6, 3, 7})}), (Shape{4, 6, 5, 7}));
  EXPECT_EQ(*NodeBuilder("matmul").Int("transpose_b", 1).InferShape({F32({2, 5, 3}), F32({2, 7, 3})}),
            (Shape{2, 5, 7}));
  EXPECT_THAT(NodeBuilder("matmul").Infer({F32({2, 5, 3}), F32({3, 3, 7})}).status().message(),
              HasSubstr("do not broadcast"));
  EXPECT_THAT(NodeBuilder("matmul").Infer({F32({5}), F32({5, 2})}).status().message(), HasSubstr("rank >= 2"));
  EXPECT_THAT(NodeBuilder("matmul").Infer({F32({2, 5}), F32({4, 2})}).status().message(),
              HasSubstr("expected (5), got (4)"));
}

TEST(MatmulOps, EpilogueAndLinear) {
  EXPECT_TRUE(NodeBuilder("matmul").Str("activation", "silu").Infer({F32({2, 5}), F32({5, 2}), F32({2})}).ok());
  EXPECT_FALSE(NodeBuilder("matmul").Str("activation", "elu").Infer({F32({2, 5}), F32({5, 2})}).ok());
  EXPECT_EQ(*NodeBuilder("linear").InferShape({F32({3, 4, 16}), F32({8, 16}), F32({8})}), (Shape{3, 4, 8}));
}

}  // namespace
}  // namespace kpu::ops::testing
