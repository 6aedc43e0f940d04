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

TEST(SoftmaxKernels, SoftmaxAndLogSoftmaxOnEitherAxis) {
  F32Tensor x({2, 3}, {1, 2, 3, 1, 1, 1}), y({2, 3}), l({2, 3});
  ASSERT_TRUE(RunOp("softmax", Attrs().Int("axis", 1), {&x}, {&y}).ok());
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(y.data[2], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(y.data[4], 1.0 / 3, 1e-6);
  ASSERT_TRUE(RunOp("log_softmax", Attrs(), {&x}, {&l}).ok());
  EXPECT_NEAR(l.data[0], 1 - std::log(z), 1e-6);
  EXPECT_NEAR(l.data[5], -std::log(3.0), 1e-6);
  ASSERT_TRUE(RunOp("softmax", Attrs().Int("axis", 0), {&x}, {&y}).ok());
  EXPECT_NEAR(y.data[0], 0.5, 1e-6);
  EXPECT_NEAR(y.data[1] + y.data[4], 1.0, 1e-6);
}

TEST(NormKernels, BatchNormEvalMode) {
  F32Tensor x = F32Tensor::Wave({2, 3, 2, 2}, 0.1f, 2), w({3}, {1, 2, 0.5f}), b({3}, {0, 1, -1}),
            mean({3}, {0.1f, -0.2f, 0.3f}), var({3}, {1, 0.25f, 4}), y(x.shape);
  ASSERT_TRUE(RunOp("batch_norm", Attrs().Float("epsilon", 1e-3), {&x, &w, &b, &mean, &var}, {&y}).ok());
  std::vector<float> want;
  for (size_t i = 0; i < x.data.size(); ++i) {
    const size_t c = (i / 4) % 3;
    want.push_back(static_cast<float>((x.data[i] - mean.data[c]) / std::sqrt(var.data[c] + 1e-3) * w.data[c] + b.data[c]));
  }
  ExpectNear(y.data, want, 1e-5);
}

}  // namespace
}  // namespace kpu::runtime::testing
