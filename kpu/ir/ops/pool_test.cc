#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"
#include "kpu/ir/ops/pool.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(PoolOps, CeilModeDropsAWindowStartingInThePadding) {
  // Shapes from torch: max_pool2d(7x7, 3, 2, 1, ceil) -> 4x4; avg_pool2d(5x5, 2, 2, 1, ceil) -> 3x3 (not 4).
  auto a = NodeBuilder("max_pool2d").Ints("kernel", {3, 3}).Ints("stride", {2, 2}).Ints("padding", {1, 1})
               .Int("ceil_mode", 1).InferShape({F32({1, 1, 7, 7})});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, (Shape{1, 1, 4, 4}));
  auto b = NodeBuilder("avg_pool2d").Ints("kernel", {2, 2}).Ints("padding", {1, 1}).Int("ceil_mode", 1)
               .InferShape({F32({1, 1, 5, 5})});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, (Shape{1, 1, 3, 3}));
  // max_pool2d(6x6, 3, 2, 1, dilation 2, ceil) -> 3x3
  EXPECT_EQ(PoolOutputSize(6, 3, 1, 2, 2, true), 3);
  EXPECT_EQ(PoolOutputSize(7, 3, 1, 2, 1, false), 4);
}

TEST(PoolOps, StrideDefaultsToKernel) {
  auto a = NodeBuilder("max_pool2d").Ints("kernel", {2, 2}).InferShape({F32({2, 3, 8, 6})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{2, 3, 4, 3}));
}

TEST(PoolOps, BadParameters) {
  EXPECT_THAT(NodeBuilder("max_pool2d").Infer({F32({1, 1, 4, 4})}).status().message(),
              HasSubstr("needs attribute 'kernel'"));
  EXPECT_THAT(NodeBuilder("max_pool2d").Ints("kernel", {3, 3}).Ints("padding", {2, 2}).Infer({F32({1, 1, 4, 4})})
                  .status().message(),
              HasSubstr("must be at most half of kernel"));
  EXPECT_THAT(NodeBuilder("max_pool2d").Ints("kernel", {5, 5}).Infer({F32({1, 1, 4, 4})}).status().message(),
              HasSubstr("bigger than the padded input"));
  EXPECT_THAT(NodeBuilder("avg_pool2d").Ints("kernel", {2, 2}).Ints("stride", {0, 2}).Infer({F32({1, 1, 4, 4})})
                  .status().message(),
              HasSubstr("stride must be positive"));
  EXPECT_THAT(NodeBuilder("avg_pool2d").Ints("kernel", {2, 2}).Ints("dilation", {2, 2}).Infer({F32({1, 1, 4, 4})})
                  .status().message(),
              HasSubstr("has no attribute 'dilation'"));
}

TEST(PoolOps, AdaptiveBins) {
  auto a = NodeBuilder("adaptive_avg_pool2d").Ints("output_size", {1, 1}).InferShape({F32({2, 512, 7, 7})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{2, 512, 1, 1}));
  // 5 inputs into 3 bins: [0,2), [1,4), [3,5)
  EXPECT_EQ(AdaptiveStart(1, 5, 3), 1);
  EXPECT_EQ(AdaptiveEnd(1, 5, 3), 4);
  EXPECT_EQ(AdaptiveEnd(0, 5, 3), 2);
  EXPECT_FALSE(NodeBuilder("adaptive_max_pool2d").Ints("output_size", {0, 1}).Infer({F32({1, 1, 4, 4})}).ok());
}

}  // namespace
}  // namespace kpu::ops::testing
