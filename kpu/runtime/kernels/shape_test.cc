#include <numeric>

#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

F32Tensor Iota(Shape s) {
  F32Tensor t(std::move(s));
  std::iota(t.data.begin(), t.data.end(), 0.0f);
  return t;
}

TEST(ShapeKernels, ReshapeCopiesOrAliases) {
  F32Tensor x = Iota({2, 3}), y({3, 2});
  ASSERT_TRUE(RunOp("reshape", Attrs().Ints("shape", {3, 2}), {&x}, {&y}).ok());
  EXPECT_EQ(y.data, x.data);
  F32Tensor bad({4});
  EXPECT_FALSE(RunOp("reshape", Attrs().Ints("shape", {4}), {&x}, {&bad}).ok());
}

TEST(ShapeKernels, Permute) {
  F32Tensor x = Iota({2, 3, 4}), y({4, 2, 3});
  ASSERT_TRUE(RunOp("permute", Attrs().Ints("perm", {2, 0, 1}), {&x}, {&y}).ok());
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) EXPECT_EQ(y.data[(i * 2 + j) * 3 + k], x.data[(j * 3 + k) * 4 + i]);
}

TEST(ShapeKernels, PermuteWorksOnAnyByteDtype) {
  std::vector<int64_t> x = {0, 1, 2, 3, 4, 5}, y(6);
  AttrMap attrs;
  attrs["perm"].mutable_ints()->add_values(1);
  attrs["perm"].mutable_ints()->add_values(0);
  ASSERT_TRUE(RunKernel("permute", {attrs, {{ir::INT64, {2, 3}, x.data()}}, {{ir::INT64, {3, 2}, y.data()}}}).ok());
  EXPECT_EQ(y, (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
}

TEST(ShapeKernels, ConcatAndSplitAreInverse) {
  F32Tensor a = Iota({2, 1, 3}), b = Iota({2, 2, 3}), y({2, 3, 3});
  for (float& v : b.data) v += 100;
  ASSERT_TRUE(RunOp("concat", Attrs().Int("axis", 1), {&a, &b}, {&y}).ok());
  EXPECT_EQ(y.data, (std::vector<float>{0, 1, 2, 100, 101, 102, 103, 104, 105,
                                        3, 4, 5, 106, 107, 108, 109, 110, 111}));
  F32Tensor a2({2, 1, 3}), b2({2, 2, 3});
  ASSERT_TRUE(RunOp("split", Attrs().Int("axis", 1).Ints("sizes", {1, 2}), {&y}, {&a2, &b2}).ok());
  EXPECT_EQ(a2.data, a.data);
  EXPECT_EQ(b2.data, b.data);
  F32Tensor wrong({2, 2, 2});
  EXPECT_FALSE(RunOp("concat", Attrs().Int("axis", 1), {&a, &wrong}, {&y}).ok());
}

TEST(ShapeKernels, SliceWithStepAndNegativeBounds) {
  F32Tensor x = Iota({2, 10}), y({2, 3});
  ASSERT_TRUE(RunOp("slice", Attrs().Int("axis", 1).Int("start", 1).Int("end", -1).Int("step", 3), {&x}, {&y}).ok());
  EXPECT_EQ(y.data, (std::vector<float>{1, 4, 7, 11, 14, 17}));
  F32Tensor z({1, 10});
  ASSERT_TRUE(RunOp("slice", Attrs().Int("axis", 0).Int("start", -1).Int("end", 100), {&x}, {&z}).ok());
  EXPECT_EQ(z.data[0], 10);
}

TEST(ShapeKernels, PadConstant) {
  F32Tensor x = Iota({1, 2, 2}), y({1, 3, 5});
  // [d0_begin, d1_begin, d2_begin, d0_end, d1_end, d2_end]
  ASSERT_TRUE(RunOp("pad", Attrs().Ints("pads", {0, 1, 2, 0, 0, 1}).Float("value", -1), {&x}, {&y}).ok());
  EXPECT_EQ(y.data, (std::vector<float>{-1, -1, -1, -1, -1, -1, -1, 0, 1, -1, -1, -1, 2, 3, -1}));
}

}  // namespace
}  // namespace kpu::runtime::testing
