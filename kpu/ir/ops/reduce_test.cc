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

TEST(SoftmaxOps, AnyAxis) {
  EXPECT_EQ(*NodeBuilder("log_softmax").Int("axis", 0).InferShape({F32({2, 3})}), (Shape{2, 3}));
  EXPECT_THAT(NodeBuilder("softmax").Int("axis", -3).Infer({F32({2, 3})}).status().message(),
              HasSubstr("axis -3 is out of range for a tensor of rank 2"));
}

TEST(NormOps, BatchNormChecksStatistics) {
  auto c = F32({4});
  EXPECT_EQ(*NodeBuilder("batch_norm").InferShape({F32({2, 4, 3, 3}), c, c, c, c}), (Shape{2, 4, 3, 3}));
  EXPECT_THAT(NodeBuilder("batch_norm").Infer({F32({2, 4, 3, 3}), c, c, F32({3}), c}).status().message(),
              HasSubstr("running_mean shape mismatch"));
}

TEST(ResizeOps, OutputSize) {
  EXPECT_EQ(*NodeBuilder("upsample_nearest2d").Ints("output_size", {40, 40}).InferShape({F32({1, 8, 20, 20})}),
            (Shape{1, 8, 40, 40}));
  EXPECT_EQ(*NodeBuilder("upsample_bilinear2d").Ints("output_size", {7, 5}).Int("align_corners", 1)
                 .InferShape({F32({1, 8, 3, 3})}),
            (Shape{1, 8, 7, 5}));
  EXPECT_FALSE(NodeBuilder("upsample_nearest2d").Ints("output_size", {4}).Infer({F32({1, 8, 3, 3})}).ok());
  EXPECT_FALSE(NodeBuilder("upsample_nearest2d").Ints("output_size", {4, 4}).Infer({F32({8, 3, 3})}).ok());
}

}  // namespace
}  // namespace kpu::ops::testing
