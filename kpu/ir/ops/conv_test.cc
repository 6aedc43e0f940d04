#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(Conv2dOp, StrideAsymmetricPaddingDilation) {
  auto out = NodeBuilder("conv2d").Ints("stride", {2, 1}).Ints("padding", {1, 0, 2, 3}).Ints("dilation", {1, 2})
                 .InferShape({F32({2, 3, 10, 9}), F32({8, 3, 3, 3}), F32({8})});
  ASSERT_TRUE(out.ok()) << out.status();
  // H: (10 + 3 - 3) / 2 + 1 = 6; W: (9 + 3 - 5) / 1 + 1 = 8
  EXPECT_EQ(*out, (Shape{2, 8, 6, 8}));
}

TEST(Conv2dOp, DepthwiseAndResidual) {
  auto out = NodeBuilder("conv2d").Int("groups", 32).Ints("padding", {1, 1, 1, 1}).Str("activation", "relu6")
                 .InferShape({F32({1, 32, 8, 8}), F32({32, 1, 3, 3}), F32({32}), F32({1, 32, 8, 8})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, (Shape{1, 32, 8, 8}));
  EXPECT_THAT(NodeBuilder("conv2d").InferShape({F32({1, 4, 8, 8}), F32({4, 4, 3, 3}), F32({4}), F32({1, 4, 8, 8})})
                  .status().message(),
              HasSubstr("Residual shape mismatch: expected (1,4,6,6), got (1,4,8,8)"));
}

TEST(Conv2dOp, BadParametersNameTheNode) {
  auto err = [](NodeBuilder b, std::vector<TensorType> in) { return std::string(b.Infer(in).status().message()); };
  EXPECT_THAT(err(NodeBuilder("conv2d"), {F32({1, 3, 2, 2}), F32({4, 3, 3, 3})}),
              HasSubstr("node 'n0' (conv2d): kernel (3,3) with dilation (1,1) is bigger than the padded input (2,2)"));
  EXPECT_THAT(err(NodeBuilder("conv2d").Int("groups", 2), {F32({1, 3, 8, 8}), F32({4, 1, 3, 3})}),
              HasSubstr("groups 2 does not divide the 3 input channels"));
  EXPECT_THAT(err(NodeBuilder("conv2d").Ints("stride", {0, 1}), {F32({1, 3, 8, 8}), F32({4, 3, 3, 3})}),
              HasSubstr("stride must be positive, got (0,1)"));
  EXPECT_THAT(err(NodeBuilder("conv2d").Ints("dilation", {1, -1}), {F32({1, 3, 8, 8}), F32({4, 3, 3, 3})}),
              HasSubstr("dilation must be positive"));
  EXPECT_THAT(err(NodeBuilder("conv2d"), {F32({3, 8, 8}), F32({4, 3, 3, 3})}), HasSubstr("input must have rank 4"));
  EXPECT_THAT(err(NodeBuilder("conv2d").Ints("padding", {1, 1}), {F32({1, 3, 8, 8}), F32({4, 3, 3, 3})}),
              HasSubstr("attribute 'padding' needs 4 values, got 2"));
  EXPECT_THAT(err(NodeBuilder("conv2d").Str("activation", "gelu"), {F32({1, 3, 8, 8}), F32({4, 3, 3, 3})}),
              HasSubstr("activation 'gelu' is not one of"));
  EXPECT_THAT(err(NodeBuilder("conv2d"), {F32({1, 3, 8, 8}), F32({4, 2, 3, 3})}),
              HasSubstr("expected (3), got (2)"));
}

TEST(Conv2dOp, HugeTensorIsAnError) {
  auto out = NodeBuilder("conv2d").Infer({F32({int64_t{1} << 62, 4, 1, 1}), F32({4, 4, 1, 1})});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("more elements than fit in 64 bits"));
}

// Found by program_structured_fuzzer: paddings of 1 and 2^63 - 1 once summed with signed
// overflow (undefined) before the padded size was checked.
TEST(Conv2dOp, PaddingsNear2To63AreAnErrorNotAnOverflow) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  for (const std::vector<int64_t>& padding : {std::vector<int64_t>{big, 0, 1, 0}, {0, 1, 0, big}, {2, 2, big - 1, 2}}) {
    auto out = NodeBuilder("conv2d").Ints("padding", padding).Infer({F32({1, 3, 8, 8}), F32({4, 3, 3, 3})});
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(out.status().message(), HasSubstr("overflow")) << out.status();
  }
}

TEST(ConvTranspose2dOp, MatchesTorchShapes) {
  // torch: conv_transpose2d(zeros(1,4,5,5), zeros(4,3,3,3), stride=2, padding=1, output_padding=1, groups=2)
  auto out = NodeBuilder("conv_transpose2d").Ints("stride", {2, 2}).Ints("padding", {1, 1})
                 .Ints("output_padding", {1, 1}).Int("groups", 2).InferShape({F32({1, 4, 5, 5}), F32({4, 3, 3, 3})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, (Shape{1, 6, 10, 10}));
  EXPECT_THAT(NodeBuilder("conv_transpose2d").Ints("output_padding", {1, 1})
                  .Infer({F32({1, 4, 5, 5}), F32({4, 3, 3, 3})}).status().message(),
              HasSubstr("output_padding 1 must be smaller than either stride or dilation"));
}

}  // namespace
}  // namespace kpu::ops::testing
