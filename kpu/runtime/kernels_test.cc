#include "kpu/runtime/kernels.h"

#include <cmath>

#include "gtest/gtest.h"

namespace kpu::runtime {
namespace {

TEST(Kernels, MatmulMatchesNaiveWithBiasAndRelu) {
  const int m = 5, k = 7, n = 3;
  std::vector<float> a(m * k), b(k * n), bias(n), out(m * n);
  for (int i = 0; i < m * k; ++i) a[i] = std::sin(i * 0.7f);
  for (int i = 0; i < k * n; ++i) b[i] = std::cos(i * 0.3f);
  for (int i = 0; i < n; ++i) bias[i] = 0.1f * i - 0.1f;
  AttrMap attrs;
  attrs["activation"].set_s("relu");
  ASSERT_TRUE(MatmulKernel({attrs, {{{m, k}, a.data()}, {{k, n}, b.data()}, {{n}, bias.data()}}, {{m, n}, out.data()}}).ok());
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) {
      double acc = bias[c];
      for (int i = 0; i < k; ++i) acc += a[r * k + i] * b[i * n + c];
      EXPECT_NEAR(out[r * n + c], std::max(acc, 0.0), 1e-5);
    }
  }
}

TEST(Kernels, LinearUsesTorchWeightLayout) {
  std::vector<float> x = {1, 2}, w = {1, 0, 0, 1, 1, 1}, out(3);  // W is [3, 2]
  AttrMap attrs;
  ASSERT_TRUE(LinearKernel({attrs, {{{1, 2}, x.data()}, {{3, 2}, w.data()}}, {{1, 3}, out.data()}}).ok());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3}));
}

TEST(Kernels, AddBroadcasts) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6}, row = {10, 20, 30}, col = {100, 200}, out(6);
  AttrMap attrs;
  ASSERT_TRUE(AddKernel({attrs, {{{2, 3}, x.data()}, {{3}, row.data()}}, {{2, 3}, out.data()}}).ok());
  EXPECT_EQ(out, (std::vector<float>{11, 22, 33, 14, 25, 36}));
  ASSERT_TRUE(AddKernel({attrs, {{{2, 3}, x.data()}, {{2, 1}, col.data()}}, {{2, 3}, out.data()}}).ok());
  EXPECT_EQ(out, (std::vector<float>{101, 102, 103, 204, 205, 206}));
  EXPECT_FALSE(AddKernel({attrs, {{{2, 3}, x.data()}, {{2}, col.data()}}, {{2, 3}, out.data()}}).ok());
}

TEST(Kernels, SoftmaxAlongEitherAxis) {
  std::vector<float> x = {1, 2, 3, 1, 1, 1}, out(6);
  AttrMap attrs;
  attrs["axis"].set_i(1);
  ASSERT_TRUE(SoftmaxKernel({attrs, {{{2, 3}, x.data()}}, {{2, 3}, out.data()}}).ok());
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(out[2], std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(out[4], 1.0 / 3, 1e-6);
  attrs["axis"].set_i(0);
  ASSERT_TRUE(SoftmaxKernel({attrs, {{{2, 3}, x.data()}}, {{2, 3}, out.data()}}).ok());
  EXPECT_NEAR(out[0] + out[3], 1.0, 1e-6);
  EXPECT_NEAR(out[0], 0.5, 1e-6);
}

TEST(Kernels, ReluClampsNegatives) {
  std::vector<float> x = {-1, 0, 2}, out(3);
  AttrMap attrs;
  ASSERT_TRUE(ReluKernel({attrs, {{{3}, x.data()}}, {{3}, out.data()}}).ok());
  EXPECT_EQ(out, (std::vector<float>{0, 0, 2}));
}

}  // namespace
}  // namespace kpu::runtime
