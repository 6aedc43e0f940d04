#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

TEST(ReduceKernels, AnyAxesWithKeepdim) {
  F32Tensor x = F32Tensor::Wave({2, 3, 4}, 0.3f, 2);
  auto at = [&](int i, int j, int k) { return static_cast<double>(x.data[(i * 3 + j) * 4 + k]); };
  F32Tensor m({2, 1, 4}), s({3}), a(Shape{});
  ASSERT_TRUE(RunOp("mean", Attrs().Ints("axes", {1}).Int("keepdim", 1), {&x}, {&m}).ok());
  ASSERT_TRUE(RunOp("sum", Attrs().Ints("axes", {0, -1}), {&x}, {&s}).ok());
  ASSERT_TRUE(RunOp("amax", Attrs(), {&x}, {&a}).ok());
  std::vector<float> wm, ws(3, 0);
  double mx = -1e30;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) wm.push_back(static_cast<float>((at(i, 0, k) + at(i, 1, k) + at(i, 2, k)) / 3));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        ws[j] += static_cast<float>(at(i, j, k));
        mx = std::max(mx, at(i, j, k));
      }
  ExpectNear(m.data, wm, 1e-6);
  ExpectNear(s.data, ws, 1e-5);
  EXPECT_EQ(a.data[0], static_cast<float>(mx));
}

}  // namespace
}  // namespace kpu::runtime::testing
