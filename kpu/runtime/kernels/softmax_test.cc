#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

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

}  // namespace
}  // namespace kpu::runtime::testing
