#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

// F.conv_transpose2d by its gather form: y[o, oh] collects x[c, ih] * w[c, o, kh] wherever
// oh = ih * stride - padding + kh * dilation.
std::vector<float> Reference(const F32Tensor& x, const F32Tensor& w, const F32Tensor* b, const Shape& out,
                             int64_t s, int64_t p, int64_t d, int64_t g) {
  const int64_t c = x.shape[1], h = x.shape[2], wd = x.shape[3], ocg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  const int64_t cg = c / g;
  std::vector<float> y(NumElements(out));
  for (int64_t n = 0; n < out[0]; ++n)
    for (int64_t o = 0; o < out[1]; ++o)
      for (int64_t i = 0; i < out[2]; ++i)
        for (int64_t j = 0; j < out[3]; ++j) {
          const int64_t gi = o / ocg;
          double acc = b ? b->data[o] : 0;
          for (int64_t ci = gi * cg; ci < (gi + 1) * cg; ++ci)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t e = 0; e < kw; ++e) {
                const int64_t ni = i + p - a * d, nj = j + p - e * d;
                if (ni < 0 || nj < 0 || ni % s || nj % s || ni / s >= h || nj / s >= wd) continue;
                acc += static_cast<double>(x.data[((n * c + ci) * h + ni / s) * wd + nj / s]) *
                       w.data[((ci * ocg + o % ocg) * kh + a) * kw + e];
              }
          y[((n * out[1] + o) * out[2] + i) * out[3] + j] = static_cast<float>(acc);
        }
  return y;
}

TEST(ConvTranspose2dKernel, MatchesTheGatherDefinition) {
  struct Case { Shape x, w; int64_t s, p, op, d, g; bool bias; };
  for (const Case& c : {Case{{1, 2, 4, 4}, {2, 3, 3, 3}, 1, 0, 0, 1, 1, false},
                        Case{{2, 4, 5, 5}, {4, 3, 3, 3}, 2, 1, 1, 1, 2, true},
                        Case{{1, 3, 3, 4}, {3, 2, 2, 2}, 2, 0, 0, 1, 1, true},
                        Case{{1, 2, 4, 3}, {2, 2, 3, 3}, 3, 2, 2, 2, 1, false}}) {
    F32Tensor x = F32Tensor::Wave(c.x, 0.4f), w = F32Tensor::Wave(c.w, 2.2f), b = F32Tensor::Wave({c.w[1] * c.g}, 1.0f);
    const int64_t oh = (c.x[2] - 1) * c.s - 2 * c.p + c.d * (c.w[2] - 1) + c.op + 1;
    const int64_t ow = (c.x[3] - 1) * c.s - 2 * c.p + c.d * (c.w[3] - 1) + c.op + 1;
    F32Tensor y({c.x[0], c.w[1] * c.g, oh, ow});
    Attrs a = Attrs().Ints("stride", {c.s, c.s}).Ints("padding", {c.p, c.p}).Ints("output_padding", {c.op, c.op})
                  .Ints("dilation", {c.d, c.d}).Int("groups", c.g);
    std::vector<const F32Tensor*> in = {&x, &w};
    if (c.bias) in.push_back(&b);
    ASSERT_TRUE(RunOp("conv_transpose2d", a, in, {&y}).ok()) << FormatShape(c.x);
    SCOPED_TRACE(FormatShape(c.x));
    ExpectNear(y.data, Reference(x, w, c.bias ? &b : nullptr, y.shape, c.s, c.p, c.d, c.g), 1e-5);
  }
}

}  // namespace
}  // namespace kpu::runtime::testing
