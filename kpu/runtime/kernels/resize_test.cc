#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

#include "kpu/runtime/kernels/testdata/torch_reference_values.inc"

F32Tensor Input(Shape s) {
  F32Tensor t(std::move(s));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = std::sin(i * 0.37) * 3;  // as gen_torch_reference.py
  return t;
}

TEST(NearestKernel, FloorOfDstTimesScaleAsAten) {
  F32Tensor x = Input({1, 1, 3, 5}), a({1, 1, 7, 4}), b({1, 1, 6, 10});
  ASSERT_TRUE(RunOp("upsample_nearest2d", Attrs().Ints("output_size", {7, 4}), {&x}, {&a}).ok());
  ExpectNear(a.data, kNearest74, 0);
  ASSERT_TRUE(RunOp("upsample_nearest2d", Attrs().Ints("output_size", {6, 10}), {&x}, {&b}).ok());
  ExpectNear(b.data, kNearest610, 0);
}

TEST(BilinearKernel, BothAlignCornersModesMatchTorch) {
  F32Tensor x = Input({1, 1, 3, 5}), f({1, 1, 5, 7}), t({1, 1, 5, 7});
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {5, 7}), {&x}, {&f}).ok());
  ExpectNear(f.data, kBilinearFalse, 1e-5);
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {5, 7}).Int("align_corners", 1), {&x}, {&t}).ok());
  ExpectNear(t.data, kBilinearTrue, 1e-5);
  F32Tensor big = Input({1, 1, 7, 9}), down({1, 1, 3, 4});
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {3, 4}), {&big}, {&down}).ok());
  ExpectNear(down.data, kBilinearDown, 1e-5);
}

}  // namespace
}  // namespace kpu::runtime::testing
