#include <algorithm>

#include "gmock/gmock.h"
#include "kpu/runtime/kernels/activation.h"
#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups;
  bool bias, residual;
  std::string activation;
};

// The definition of F.conv2d, one output element at a time, in double.
F32Tensor ReferenceConv(const ConvCase& c, const F32Tensor& x, const F32Tensor& w, const F32Tensor* b,
                        const F32Tensor* res) {
  const int64_t n = c.x[0], ci = c.x[1], h = c.x[2], wd = c.x[3], oc = c.w[0], cg = c.w[1], kh = c.w[2], kw = c.w[3];
  const int64_t oh = (h + c.padding[0] + c.padding[2] - c.dilation[0] * (kh - 1) - 1) / c.stride[0] + 1;
  const int64_t ow = (wd + c.padding[1] + c.padding[3] - c.dilation[1] * (kw - 1) - 1) / c.stride[1] + 1;
  F32Tensor y({n, oc, oh, ow});
  const int64_t ocg = oc / c.groups;
  for (int64_t ni = 0; ni < n; ++ni)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = b ? b->data[o] : 0.0;
          const int64_t g = o / ocg;
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t a = 0; a < kh; ++a)
              for (int64_t e = 0; e < kw; ++e) {
                const int64_t r = i * c.stride[0] - c.padding[0] + a * c.dilation[0];
                const int64_t s = j * c.stride[1] - c.padding[1] + e * c.dilation[1];
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                acc += static_cast<double>(x.data[((ni * ci + g * cg + cc) * h + r) * wd + s]) *
                       w.data[((o * cg + cc) * kh + a) * kw + e];
              }
          const int64_t idx = ((ni * oc + o) * oh + i) * ow + j;
          if (res) acc += res->data[idx];
          float v = static_cast<float>(acc);
          if (c.activation == "relu") v = Relu(v);
          if (c.activation == "relu6") v = Relu6(v);
          if (c.activation == "silu") v = Silu(v);
          if (c.activation == "hardswish") v = Hardswish(v);
          if (c.activation == "sigmoid") v = Sigmoid(v);
          y.data[idx] = v;
        }
  return y;
}

class Conv2dKernel : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dKernel, MatchesTheDefinition) {
  const ConvCase& c = GetParam();
  F32Tensor x = F32Tensor::Wave(c.x, 0.1f), w = F32Tensor::Wave(c.w, 1.3f, 0.5f), b = F32Tensor::Wave({c.w[0]}, 2.0f);
  F32Tensor ref = ReferenceConv(c, x, w, c.bias ? &b : nullptr, nullptr);
  F32Tensor res = F32Tensor::Wave(ref.shape, 0.7f);
  if (c.residual) ref = ReferenceConv(c, x, w, &b, &res);
  F32Tensor y(ref.shape);
  Attrs a;
  a.Ints("stride", c.stride).Ints("padding", c.padding).Ints("dilation", c.dilation).Int("groups", c.groups)
      .Str("activation", c.activation);
  std::vector<const F32Tensor*> in = {&x, &w};
  if (c.bias) in.push_back(&b);
  if (c.residual) in.push_back(&res);
  ASSERT_TRUE(RunOp("conv2d", a, in, {&y}).ok());
  ExpectNear(y.data, ref.data, 1e-4);
  // Twice: the second call runs the cached primitive.
  std::fill(y.data.begin(), y.data.end(), 0.0f);
  ASSERT_TRUE(RunOp("conv2d", a, in, {&y}).ok());
  ExpectNear(y.data, ref.data, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, Conv2dKernel,
    ::testing::Values(ConvCase{{1, 3, 8, 8}, {4, 3, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false, false, "none"},
                      ConvCase{{2, 3, 9, 7}, {5, 3, 3, 2}, {2, 1}, {1, 0, 2, 1}, {1, 1}, 1, true, false, "relu"},
                      ConvCase{{1, 4, 10, 10}, {6, 4, 3, 3}, {1, 2}, {2, 2, 2, 2}, {2, 2}, 1, true, false, "silu"},
                      ConvCase{{1, 6, 8, 8}, {4, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 2, true, false, "hardswish"},
                      ConvCase{{2, 8, 7, 7}, {8, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 8, true, false, "relu6"},
                      ConvCase{{1, 16, 6, 6}, {16, 1, 5, 5}, {1, 1}, {2, 2, 2, 2}, {1, 1}, 16, false, false, "none"},
                      ConvCase{{1, 8, 6, 6}, {8, 8, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true, true, "relu"},
                      ConvCase{{1, 4, 5, 5}, {4, 4, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, true, "sigmoid"}));

TEST(Conv2dKernelTile, PrePaddedWindowWithPaddingZeroAndAccumulation) {
  // The DFX interpreter hands a tile its padded input window and padding 0, and accumulates
  // partial sums over input-channel tiles.
  ConvCase whole{{1, 4, 6, 6}, {2, 4, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false, false, "none"};
  F32Tensor x = F32Tensor::Wave(whole.x, 0.2f), w = F32Tensor::Wave(whole.w, 0.9f);
  F32Tensor ref = ReferenceConv(whole, x, w, nullptr, nullptr);
  F32Tensor y(ref.shape);
  for (int64_t half = 0; half < 2; ++half) {
    F32Tensor xs({1, 2, 6, 6}), ws({2, 2, 3, 3});
    for (int64_t c = 0; c < 2; ++c) {
      std::copy_n(x.data.begin() + (half * 2 + c) * 36, 36, xs.data.begin() + c * 36);
      for (int64_t o = 0; o < 2; ++o) std::copy_n(w.data.begin() + (o * 4 + half * 2 + c) * 9, 9, ws.data.begin() + (o * 2 + c) * 9);
    }
    ASSERT_TRUE(RunOp("conv2d", Attrs(), {&xs, &ws}, {&y}, /*accumulate=*/half > 0).ok());
  }
  ExpectNear(y.data, ref.data, 1e-4);
}

TEST(Conv2dKernelState, KeepsReorderedWeightsOnlyForConstantInputsOfTheSameShape) {
  ConvCase c{{1, 8, 6, 6}, {16, 8, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false, false, "none"};
  F32Tensor x = F32Tensor::Wave(c.x, 0.3f), w = F32Tensor::Wave(c.w, 0.6f), y({1, 16, 6, 6});
  KernelState state;
  auto run = [&](bool constant) {
    Attrs a;
    a.Ints("padding", c.padding);
    KernelArgs args{a.map, {{ir::FLOAT32, x.shape, x.data.data(), nullptr, false},
                            {ir::FLOAT32, w.shape, w.data.data(), nullptr, constant}},
                    {{ir::FLOAT32, y.shape, y.data.data()}}, false, &state};
    return RunKernel("conv2d", args);
  };
  ASSERT_TRUE(run(true).ok());
  ExpectNear(y.data, ReferenceConv(c, x, w, nullptr, nullptr).data, 1e-4);
  ASSERT_TRUE(run(true).ok());  // from the kept weights (when oneDNN reorders them at all)
  ExpectNear(y.data, ReferenceConv(c, x, w, nullptr, nullptr).data, 1e-4);
  // Weights that are not marked constant are read afresh, even with a state at hand.
  for (float& v : w.data) v = -v;
  ASSERT_TRUE(run(false).ok());
  ExpectNear(y.data, ReferenceConv(c, x, w, nullptr, nullptr).data, 1e-4);
}

TEST(Conv2dKernelErrors, ShapesAndDtypesChecked) {
  F32Tensor x({1, 3, 8, 8}), w({4, 3, 3, 3}), y({1, 4, 7, 7});
  EXPECT_THAT(std::string(RunOp("conv2d", Attrs(), {&x, &w}, {&y}).message()),
              ::testing::HasSubstr("conv2d kernel: output is (1,4,7,7), expected (1,4,6,6)"));
  AttrMap attrs;
  std::vector<uint16_t> half(64);
  KernelArgs args{attrs, {{ir::FLOAT16, {1, 1, 8, 8}, half.data()}, {ir::FLOAT16, {1, 1, 1, 1}, half.data()}},
                  {{ir::FLOAT16, {1, 1, 8, 8}, half.data()}}};
  EXPECT_EQ(RunKernel("conv2d", args).message(), "Type float16 is currently not supported by conv2d");
}

}  // namespace
}  // namespace kpu::runtime::testing
