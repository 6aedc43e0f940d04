#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

// out[batch..., m, n] = sum_k A[a_batch..., m, k] * B[b_batch..., k, n], batch dims broadcast.
std::vector<float> ReferenceMatmul(const F32Tensor& a, const F32Tensor& b, bool tb, const Shape& out) {
  const int64_t m = out[out.size() - 2], n = out.back(), k = a.shape.back();
  const size_t br = out.size() - 2;
  std::vector<float> y(NumElements(out));
  const int64_t batches = NumElements(Shape(out.begin(), out.end() - 2));
  auto batch_index = [&](const Shape& s, int64_t bi) {
    const size_t r = s.size() - 2;
    int64_t idx = 0, stride = 1, rem = bi;
    for (int d = static_cast<int>(br) - 1; d >= 0; --d) {
      const int64_t c = rem % out[d];
      rem /= out[d];
      const int sd = d - static_cast<int>(br - r);
      if (sd >= 0) { idx += (s[sd] == 1 ? 0 : c) * stride; stride *= s[sd]; }
    }
    return idx;
  };
  for (int64_t bi = 0; bi < batches; ++bi) {
    const float* pa = a.data.data() + batch_index(a.shape, bi) * m * k;
    const float* pb = b.data.data() + batch_index(b.shape, bi) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t t = 0; t < k; ++t) acc += static_cast<double>(pa[i * k + t]) * (tb ? pb[j * k + t] : pb[t * n + j]);
        y[(bi * m + i) * n + j] = static_cast<float>(acc);
      }
  }
  return y;
}

TEST(MatmulKernel, BatchedWithBroadcasting) {
  struct Case { Shape a, b, out; bool tb; };
  for (const Case& c : {Case{{5, 7}, {7, 3}, {5, 3}, false}, Case{{2, 4, 5, 7}, {7, 3}, {2, 4, 5, 3}, false},
                        Case{{3, 5, 7}, {3, 7, 4}, {3, 5, 4}, false}, Case{{5, 7}, {2, 7, 4}, {2, 5, 4}, false},
                        Case{{2, 1, 5, 7}, {3, 4, 7}, {2, 3, 5, 4}, true}, Case{{4, 5, 6}, {4, 2, 6}, {4, 5, 2}, true}}) {
    F32Tensor a = F32Tensor::Wave(c.a, 0.2f), b = F32Tensor::Wave(c.b, 1.1f), y(c.out);
    ASSERT_TRUE(RunOp("matmul", Attrs().Int("transpose_b", c.tb), {&a, &b}, {&y}).ok()) << FormatShape(c.a);
    SCOPED_TRACE(FormatShape(c.a) + " x " + FormatShape(c.b));
    ExpectNear(y.data, ReferenceMatmul(a, b, c.tb, c.out), 1e-5);
  }
}

TEST(MatmulKernel, BiasActivationAndAccumulate) {
  F32Tensor a = F32Tensor::Wave({2, 3, 4}, 0.2f), b = F32Tensor::Wave({4, 5}, 1.1f), bias = F32Tensor::Wave({5}, 3.0f);
  std::vector<float> want = ReferenceMatmul(a, b, false, {2, 3, 5});
  F32Tensor y({2, 3, 5});
  ASSERT_TRUE(RunOp("matmul", Attrs().Str("activation", "relu6"), {&a, &b, &bias}, {&y}).ok());
  std::vector<float> act = want;
  for (size_t i = 0; i < act.size(); ++i) act[i] = std::min(std::max(act[i] + bias.data[i % 5], 0.0f), 6.0f);
  ExpectNear(y.data, act, 1e-5);
  ASSERT_TRUE(RunOp("matmul", Attrs(), {&a, &b}, {&y}).ok());
  ASSERT_TRUE(RunOp("matmul", Attrs(), {&a, &b}, {&y}, /*accumulate=*/true).ok());
  for (float& v : want) v *= 2;
  ExpectNear(y.data, want, 1e-5);
}

TEST(LinearKernel, UsesTorchWeightLayout) {
  F32Tensor x({1, 2}, {1, 2}), w({3, 2}, {1, 0, 0, 1, 1, 1}), b({3}, {0.5f, 0, -1}), y({1, 3});
  ASSERT_TRUE(RunOp("linear", Attrs(), {&x, &w, &b}, {&y}).ok());
  EXPECT_EQ(y.data, (std::vector<float>{1.5f, 2, 2}));
}

}  // namespace
}  // namespace kpu::runtime::testing
