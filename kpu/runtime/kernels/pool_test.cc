#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

#include "kpu/runtime/kernels/testdata/torch_reference_values.inc"

F32Tensor Input(Shape s) {
  F32Tensor t(std::move(s));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = std::sin(i * 0.37) * 3;  // as gen_torch_reference.py
  return t;
}

TEST(MaxPoolKernel, CeilModeWithPaddingAndDilationMatchesTorch) {
  F32Tensor x = Input({1, 2, 7, 7}), y({1, 2, 3, 3}), z({1, 2, 4, 4});
  ASSERT_TRUE(RunOp("max_pool2d", Attrs().Ints("kernel", {3, 3}).Ints("stride", {2, 2}).Ints("padding", {1, 1})
                                   .Ints("dilation", {2, 2}).Int("ceil_mode", 1), {&x}, {&y}).ok());
  ExpectNear(y.data, kMaxPoolCeilDil, 1e-6);
  ASSERT_TRUE(RunOp("max_pool2d", Attrs().Ints("kernel", {3, 3}).Ints("stride", {2, 2}).Ints("padding", {1, 1})
                                   .Int("ceil_mode", 1), {&x}, {&z}).ok());
  ExpectNear(z.data, kMaxPoolCeil, 1e-6);
}

TEST(MaxPoolKernel, PropagatesNaNAndIgnoresPadding) {
  F32Tensor x({1, 1, 2, 2}, {-5, -6, NAN, -7}), y({1, 1, 3, 3});
  ASSERT_TRUE(RunOp("max_pool2d", Attrs().Ints("kernel", {2, 2}).Ints("stride", {1, 1}).Ints("padding", {1, 1}), {&x}, {&y}).ok());
  // torch: [[-5, -5, -6], [nan, nan, -6], [nan, nan, -7]]; padding never wins over negatives.
  ExpectNear(y.data, {-5, -5, -6, NAN, NAN, -6, NAN, NAN, -7}, 0);
}

TEST(AvgPoolKernel, DivisorRulesMatchTorch) {
  F32Tensor x = Input({1, 1, 6, 6}), incl({1, 1, 4, 4}), excl({1, 1, 4, 4}), div({1, 1, 4, 4});
  Attrs a = Attrs().Ints("kernel", {3, 3}).Ints("stride", {2, 2}).Ints("padding", {1, 1}).Int("ceil_mode", 1);
  ASSERT_TRUE(RunOp("avg_pool2d", a, {&x}, {&incl}).ok());
  ExpectNear(incl.data, kAvgPoolCeilIncl, 1e-5);
  ASSERT_TRUE(RunOp("avg_pool2d", Attrs(a).Int("count_include_pad", 0), {&x}, {&excl}).ok());
  ExpectNear(excl.data, kAvgPoolCeilExcl, 1e-5);
  ASSERT_TRUE(RunOp("avg_pool2d", Attrs().Ints("kernel", {2, 2}).Ints("padding", {1, 1}).Int("divisor_override", 3),
                  {&x}, {&div}).ok());
  ExpectNear(div.data, kAvgPoolDivisor, 1e-5);
  // 5x5, kernel 2, padding 1, ceil: a 4th window would start in the right padding, so 3x3.
  F32Tensor x5 = Input({1, 1, 5, 5}), drop({1, 1, 3, 3});
  ASSERT_TRUE(RunOp("avg_pool2d", Attrs().Ints("kernel", {2, 2}).Ints("padding", {1, 1}).Int("ceil_mode", 1), {&x5},
                    {&drop}).ok());
  ExpectNear(drop.data, kAvgPoolCeilDrop, 1e-5);
}

TEST(AdaptivePoolKernels, BinsMatchTorch) {
  F32Tensor x = Input({1, 2, 5, 7}), avg({1, 2, 3, 4}), mx({1, 2, 3, 4});
  ASSERT_TRUE(RunOp("adaptive_avg_pool2d", Attrs().Ints("output_size", {3, 4}), {&x}, {&avg}).ok());
  ExpectNear(avg.data, kAdaptiveAvg, 1e-5);
  ASSERT_TRUE(RunOp("adaptive_max_pool2d", Attrs().Ints("output_size", {3, 4}), {&x}, {&mx}).ok());
  ExpectNear(mx.data, kAdaptiveMax, 1e-6);
}

TEST(MaxPoolKernel, LargeInputsSplitAcrossThreadsMatchANaiveLoop) {
  F32Tensor x = F32Tensor::Wave({2, 32, 40, 40}, 0.2f, 5.0f), y({2, 32, 20, 20});
  ASSERT_TRUE(RunOp("max_pool2d", Attrs().Ints("kernel", {3, 3}).Ints("stride", {2, 2}).Ints("padding", {1, 1}),
                    {&x}, {&y}).ok());
  std::vector<float> want;
  for (int p = 0; p < 64; ++p)
    for (int i = 0; i < 20; ++i)
      for (int j = 0; j < 20; ++j) {
        float m = -INFINITY;
        for (int r = 2 * i - 1; r <= 2 * i + 1; ++r)
          for (int c = 2 * j - 1; c <= 2 * j + 1; ++c)
            if (r >= 0 && r < 40 && c >= 0 && c < 40) m = std::max(m, x.data[(p * 40 + r) * 40 + c]);
        want.push_back(m);
      }
  ExpectNear(y.data, want, 0);
}

// The kernel reduces rows, then columns, each kernel column over its own range of outputs; a
// window-by-window loop is the reference, over rectangular kernels, strides, dilations,
// paddings, ceil_mode and scattered NaNs.
TEST(MaxPoolKernel, EveryWindowShapeMatchesAWindowByWindowLoop) {
  struct Case { int64_t kh, kw, sh, sw, ph, pw, dh, dw, ceil; };
  const Case cases[] = {{3, 3, 2, 2, 1, 1, 1, 1, 0}, {2, 3, 1, 2, 1, 0, 1, 1, 1}, {3, 2, 2, 3, 1, 1, 2, 1, 1},
                        {1, 4, 1, 1, 0, 2, 1, 2, 0}, {5, 5, 3, 3, 2, 2, 1, 1, 1}, {3, 3, 1, 1, 1, 1, 3, 3, 0},
                        {2, 2, 2, 2, 0, 0, 1, 1, 1}, {4, 1, 3, 1, 2, 0, 1, 1, 0}};
  for (const Case& c : cases) {
    const int64_t h = 11, w = 13;
    F32Tensor x = F32Tensor::Wave({1, 3, h, w}, 0.7f, 4.0f);
    for (size_t i = 5; i < x.data.size(); i += 37) x.data[i] = NAN;
    const auto out = [&](int64_t n, int64_t k, int64_t st, int64_t pad, int64_t dil) {
      const int64_t span = n + 2 * pad - dil * (k - 1) - 1;
      int64_t o = (c.ceil ? (span + st - 1) / st : span / st) + 1;
      if (c.ceil && (o - 1) * st >= n + pad) --o;  // no window may start in the right padding
      return o;
    };
    const int64_t oh = out(h, c.kh, c.sh, c.ph, c.dh), ow = out(w, c.kw, c.sw, c.pw, c.dw);
    F32Tensor y({1, 3, oh, ow});
    ASSERT_TRUE(RunOp("max_pool2d", Attrs().Ints("kernel", {c.kh, c.kw}).Ints("stride", {c.sh, c.sw})
                                     .Ints("padding", {c.ph, c.pw}).Ints("dilation", {c.dh, c.dw})
                                     .Int("ceil_mode", c.ceil), {&x}, {&y}).ok())
        << c.kh << "x" << c.kw;
    std::vector<float> want;
    for (int64_t p = 0; p < 3; ++p)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          float m = -INFINITY;
          for (int64_t ki = 0; ki < c.kh; ++ki)
            for (int64_t kj = 0; kj < c.kw; ++kj) {
              const int64_t r = i * c.sh - c.ph + ki * c.dh, col = j * c.sw - c.pw + kj * c.dw;
              if (r < 0 || r >= h || col < 0 || col >= w) continue;
              const float v = x.data[(p * h + r) * w + col];
              if (v > m || std::isnan(v)) m = v;
            }
          want.push_back(m);
        }
    ExpectNear(y.data, want, 0);
  }
}

TEST(PoolKernels, RejectAWrongOutputShape) {
  F32Tensor x({1, 1, 4, 4}), y({1, 1, 3, 3});
  EXPECT_FALSE(RunOp("max_pool2d", Attrs().Ints("kernel", {2, 2}), {&x}, {&y}).ok());
}

// Adaptive bins of a DFX tile are the whole op's at the tile's position (they overlap and differ
// in size, so a tile's own output_size would bin differently).
TEST(AdaptivePoolKernel, RowTileComputesTheWholeOpsBins) {
  const F32Tensor x = Input({1, 2, 23, 7});
  const Shape y_shape = {1, 2, 10, 3};
  for (const char* op : {"adaptive_avg_pool2d", "adaptive_max_pool2d"}) {
    F32Tensor whole(y_shape);
    ASSERT_TRUE(RunOp(op, Attrs().Ints("output_size", {10, 3}), {&x}, {&whole}).ok());
    // Output rows [4, 8) bin input rows [9, 19).
    F32Tensor tile({1, 2, 4, 3});
    ASSERT_TRUE(RunRowTile(op, Attrs().Ints("output_size", {4, 3}), Rows(x, 8, 12), 8, x.shape, &tile, 4, y_shape).ok());
    for (int64_t p = 0; p < 2; ++p)
      for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 3; ++j)
          EXPECT_EQ(tile.data[(p * 4 + i) * 3 + j], whole.data[(p * 10 + 4 + i) * 3 + j]) << op << " row " << 4 + i;
    absl::Status s = RunRowTile(op, Attrs().Ints("output_size", {4, 3}), Rows(x, 10, 6), 10, x.shape, &tile, 4, y_shape);
    EXPECT_FALSE(s.ok()) << op << ": a tile missing part of a bin";
  }
}

}  // namespace
}  // namespace kpu::runtime::testing
