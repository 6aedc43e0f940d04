#include <functional>

#include "kpu/runtime/kernels/activation.h"
#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

// Each activation against its textbook formula in double precision.
struct UnaryCase {
  const char* op;
  Attrs attrs;
  std::function<double(double)> f;
};

TEST(UnaryKernels, MatchTheirFormulas) {
  const double s2pi = std::sqrt(2.0 / M_PI);
  auto r6 = [](double x) { return std::min(std::max(x, 0.0), 6.0); };
  const std::vector<UnaryCase> cases = {
      {"relu", Attrs(), [](double x) { return x > 0 ? x : 0; }},
      {"sigmoid", Attrs(), [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"tanh", Attrs(), [](double x) { return std::tanh(x); }},
      {"silu", Attrs(), [](double x) { return x / (1 + std::exp(-x)); }},
      {"hardswish", Attrs(), [&](double x) { return x * r6(x + 3) / 6; }},
      {"hardsigmoid", Attrs(), [&](double x) { return r6(x + 3) / 6; }},
      {"hardtanh", Attrs(), [](double x) { return std::min(std::max(x, -1.0), 1.0); }},
      {"hardtanh", Attrs().Float("min_val", 0).Float("max_val", 6), r6},
      {"leaky_relu", Attrs(), [](double x) { return x > 0 ? x : 0.01 * x; }},
      {"leaky_relu", Attrs().Float("negative_slope", 0.2), [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"gelu", Attrs(), [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"gelu", Attrs().Str("approximate", "tanh"),
       [&](double x) { return 0.5 * x * (1 + std::tanh(s2pi * (x + 0.044715 * x * x * x))); }},
      {"clamp", Attrs().Float("min", -0.5), [](double x) { return std::max(x, -0.5); }},
      {"clamp", Attrs().Float("max", 2), [](double x) { return std::min(x, 2.0); }},
      {"clamp", Attrs().Float("min", 1).Float("max", -1), [](double) { return -1.0; }},  // max wins, as torch
  };
  F32Tensor x = F32Tensor::Wave({3, 41}, 0.3f, 7.0f);
  for (const UnaryCase& c : cases) {
    F32Tensor y(x.shape);
    ASSERT_TRUE(RunOp(c.op, c.attrs, {&x}, {&y}).ok()) << c.op;
    std::vector<float> want;
    for (float v : x.data) want.push_back(static_cast<float>(c.f(v)));
    SCOPED_TRACE(c.op);
    ExpectNear(y.data, want, 2e-6);
  }
}

TEST(UnaryKernels, LargeTensorsSplitAcrossThreadsGiveTheSameValues) {
  F32Tensor x = F32Tensor::Wave({4, 64, 32, 32}, 0.7f, 9.0f);
  for (const char* op : {"silu", "sigmoid", "relu"}) {
    F32Tensor y(x.shape);
    ASSERT_TRUE(RunOp(op, Attrs(), {&x}, {&y}).ok());
    std::vector<float> want;
    for (float v : x.data) {
      const double e = 1.0 / (1.0 + std::exp(-static_cast<double>(v)));
      want.push_back(static_cast<float>(std::string(op) == "silu" ? v * e : std::string(op) == "sigmoid" ? e : std::max(v, 0.0f)));
    }
    SCOPED_TRACE(op);
    ExpectNear(y.data, want, 2e-6);
  }
}

TEST(VecExp, WithinAFewUlpOfExpOverTheWholeRange) {
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double want = std::exp(static_cast<double>(x));
    ASSERT_NEAR(VecExp(x), want, 3e-7 * want) << x;
  }
  EXPECT_EQ(VecExp(0.0f), 1.0f);
  EXPECT_TRUE(std::isnan(VecExp(NAN)));
  EXPECT_GT(VecExp(200.0f), 1e38f);
  EXPECT_LT(VecExp(-200.0f), 1e-37f);
}

// Reference broadcasting: index each input through its own strides.
std::vector<float> ReferenceBinary(const F32Tensor& a, const F32Tensor& b, const Shape& out,
                                   const std::function<float(float, float)>& f) {
  const size_t rank = out.size();
  std::vector<float> y(NumElements(out));
  for (int64_t i = 0; i < static_cast<int64_t>(y.size()); ++i) {
    int64_t rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      const int64_t c = rem % out[d];
      rem /= out[d];
      const int da = d - static_cast<int>(rank - a.shape.size()), db = d - static_cast<int>(rank - b.shape.size());
      if (da >= 0) { ia += (a.shape[da] == 1 ? 0 : c) * sa; sa *= a.shape[da]; }
      if (db >= 0) { ib += (b.shape[db] == 1 ? 0 : c) * sb; sb *= b.shape[db]; }
    }
    y[i] = f(a.data[ia], b.data[ib]);
  }
  return y;
}

TEST(BinaryKernels, BroadcastLikeNumpy) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}},       {{2, 3, 4}, {3, 1}}, {{2, 1, 4}, {1, 3, 1}},
      {{5}, {}},              {{}, {2, 2}},           {{1, 8, 5, 5}, {1, 8, 1, 1}}, {{4, 1}, {1, 6}},
      {{2, 3, 1, 5}, {3, 4, 1}},
      // large enough to be split across threads
      {{4, 64, 32, 32}, {4, 64, 32, 32}}, {{4, 64, 32, 32}, {1, 64, 1, 1}}, {{4, 64, 32, 32}, {}},
      {{4, 64, 1, 32}, {1, 1, 48, 32}}};
  const std::vector<std::pair<const char*, std::function<float(float, float)>>> ops = {
      {"add", [](float x, float y) { return x + y; }},
      {"sub", [](float x, float y) { return x - y; }},
      {"mul", [](float x, float y) { return x * y; }},
      {"div", [](float x, float y) { return x / y; }}};
  for (const auto& [sa, sb] : shapes) {
    F32Tensor a = F32Tensor::Wave(sa, 0.1f, 3), b = F32Tensor::Wave(sb, 0.5f, 3);
    Shape out = *BroadcastShapes(sa, sb);
    for (const auto& [op, f] : ops) {
      F32Tensor y(out);
      ASSERT_TRUE(RunOp(op, Attrs(), {&a, &b}, {&y}).ok()) << op << " " << FormatShape(sa) << FormatShape(sb);
      SCOPED_TRACE(std::string(op) + FormatShape(sa) + FormatShape(sb));
      ExpectNear(y.data, ReferenceBinary(a, b, out, f), 1e-6);
    }
  }
  F32Tensor a({2, 3}), b({2}), y({2, 3});
  EXPECT_FALSE(RunOp("add", Attrs(), {&a, &b}, {&y}).ok());
}

}  // namespace
}  // namespace kpu::runtime::testing
