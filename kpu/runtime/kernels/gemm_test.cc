#include "kpu/runtime/kernels/gemm.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace kpu::runtime {
namespace {

std::vector<float> Values(int64_t n, float seed) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(0.37f * i + seed);
  return v;
}

// Both libraries behind Sgemm (a GEMM below kOpenBlasSingleThreadMacs and one above it), every
// transpose, overwrite and accumulate, against a triple loop.
TEST(Sgemm, BothLibrariesComputeTheSameProductInEveryForm) {
  struct Size { int64_t m, n, k; };
  for (const Size& s : {Size{3, 5, 7}, Size{70, 90, 64}, Size{1, 1000, 1280}}) {
    ASSERT_EQ(s.m * s.n * s.k <= kOpenBlasSingleThreadMacs, s.m == 3) << "the sizes cover both paths";
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (float beta : {0.0f, 1.0f}) {
          const std::vector<float> a = Values(s.m * s.k, 1), b = Values(s.k * s.n, 2);
          std::vector<float> c = Values(s.m * s.n, 3), want = c;
          const int64_t lda = ta ? s.m : s.k, ldb = tb ? s.k : s.n;
          for (int64_t i = 0; i < s.m; ++i) {
            for (int64_t j = 0; j < s.n; ++j) {
              double acc = beta * want[i * s.n + j];
              for (int64_t p = 0; p < s.k; ++p) {
                acc += double{ta ? a[p * lda + i] : a[i * lda + p]} * (tb ? b[j * ldb + p] : b[p * ldb + j]);
              }
              want[i * s.n + j] = static_cast<float>(acc);
            }
          }
          ASSERT_TRUE(Sgemm("test", ta, tb, s.m, s.n, s.k, a.data(), lda, b.data(), ldb, beta, c.data(), s.n).ok());
          for (int64_t i = 0; i < s.m * s.n; ++i) {
            ASSERT_NEAR(c[i], want[i], 1e-4 * std::sqrt(static_cast<double>(s.k)))
                << s.m << "x" << s.n << "x" << s.k << " ta " << ta << " tb " << tb << " beta " << beta << " at " << i;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace kpu::runtime
