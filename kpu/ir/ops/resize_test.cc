#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"
#include "kpu/ir/ops/resize.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(ResizeOps, OutputSize) {
  EXPECT_EQ(*NodeBuilder("upsample_nearest2d").Ints("output_size", {40, 40}).InferShape({F32({1, 8, 20, 20})}),
            (Shape{1, 8, 40, 40}));
  EXPECT_EQ(*NodeBuilder("upsample_bilinear2d").Ints("output_size", {7, 5}).Int("align_corners", 1)
                 .InferShape({F32({1, 8, 3, 3})}),
            (Shape{1, 8, 7, 5}));
  EXPECT_FALSE(NodeBuilder("upsample_nearest2d").Ints("output_size", {4}).Infer({F32({1, 8, 3, 3})}).ok());
  EXPECT_FALSE(NodeBuilder("upsample_nearest2d").Ints("output_size", {4, 4}).Infer({F32({8, 3, 3})}).ok());
}

TEST(ResizeOps, SourceIndices) {
  // Nearest 3 -> 7: floor(dst * 3/7) = 0 0 0 1 1 2 2; 5 -> 4: floor(dst * 1.25) = 0 1 2 3
  std::vector<int64_t> got;
  for (int d = 0; d < 7; ++d) got.push_back(NearestSource(d, 3, 7));
  EXPECT_EQ(got, (std::vector<int64_t>{0, 0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(NearestSource(3, 5, 4), 3);
  EXPECT_EQ(NearestSource(5, 3, 6), 2);  // exact 2x takes dst >> 1
  // Bilinear 3 -> 5 without align_corners: src = (dst + 0.5) * 0.6 - 0.5, clamped at 0.
  LinearTap t = BilinearSource(0, 3, 5, false);
  EXPECT_EQ(t.i0, 0);
  EXPECT_EQ(t.w1, 0.0f);
  t = BilinearSource(3, 3, 5, false);  // src 1.6
  EXPECT_EQ(t.i0, 1);
  EXPECT_EQ(t.i1, 2);
  EXPECT_NEAR(t.w1, 0.6f, 1e-6);
  t = BilinearSource(4, 3, 5, false);  // src 2.2: both taps at the last row
  EXPECT_EQ(t.i0, 2);
  EXPECT_EQ(t.i1, 2);
  // With align_corners the corners map exactly: src = dst * (3 - 1) / (5 - 1).
  t = BilinearSource(4, 3, 5, true);
  EXPECT_EQ(t.i0, 2);
  EXPECT_EQ(t.w1, 0.0f);
  t = BilinearSource(1, 3, 5, true);
  EXPECT_EQ(t.i0, 0);
  EXPECT_NEAR(t.w1, 0.5f, 1e-6);
}

}  // namespace
}  // namespace kpu::ops::testing
