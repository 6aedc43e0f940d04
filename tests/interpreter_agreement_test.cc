// Decision 2: the DFX program is executable. For graphs and configs that force every tiling path
// (K split with accumulation, row and column tiles, batched matmul, broadcast adds, softmax
// along any axis, tiny SRAMs), the tile-by-tile interpreter must compute what the whole-op
// kernels compute, and both must match a plain reference; the interpreter run in the order that
// runs the newest ready op first must give identical values (the edges are complete). Tolerance: 2e-5 relative to the
// output's magnitude (fp32 sums in a different order).
#include <array>
#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

struct RunResult {
  std::vector<float> fast, interpreted, reordered;
  ir::KPUPerformanceMetrics metrics;
};

RunResult CompileAndRunBoth(const ir::Graph& g, const ir::KPUConfig& config, const std::vector<std::vector<float>>& inputs) {
  auto program = compiler::Compile(g, config, {});
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << exec.status();
  const auto& p = program->proto;
  std::vector<runtime::HostTensor> in;
  for (int i = 0; i < p.metadata().input_ids_size(); ++i) {
    for (const auto& t : p.tensors().tensors()) {
      if (t.name() != p.metadata().input_ids(i)) continue;
      in.push_back({t.name(), ir::FLOAT32, ToShape(t.shape()), const_cast<float*>(inputs[i].data()),
                    inputs[i].size() * sizeof(float)});
    }
  }
  Shape out_shape;
  for (const auto& t : p.tensors().tensors()) {
    if (t.name() == p.metadata().output_ids(0)) out_shape = ToShape(t.shape());
  }
  RunResult r;
  r.fast.resize(NumElements(out_shape));
  r.interpreted.resize(NumElements(out_shape));
  r.reordered.resize(NumElements(out_shape));
  for (auto [engine, data] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted},
                              {runtime::Engine::kDfxInterpreterReordered, &r.reordered}}) {
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, {{p.metadata().output_ids(0), ir::FLOAT32, out_shape, data->data(), data->size() * sizeof(float)}}, o);
    EXPECT_TRUE(s.ok()) << s;
  }
  r.metrics = *(*exec)->last_metrics();
  // Decision 9: any order the dependencies allow computes the same tiles in the same
  // accumulation order, so the values are identical, not merely close.
  EXPECT_EQ(r.interpreted, r.reordered) << "the reordered interpreter disagrees: a dependency is missing";
  return r;
}

void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  double scale = 1e-3;
  for (float v : b) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]));
  EXPECT_LE(worst, 2e-5 * scale) << what << ": max abs diff " << worst;
}

// y = A x B + bias, then relu, computed in double.
std::vector<float> MatmulRef(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& bias,
                             int64_t m, int64_t k, int64_t n, bool relu) {
  std::vector<float> y(m * n);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      double acc = bias.empty() ? 0 : bias[c];
      for (int64_t i = 0; i < k; ++i) acc += static_cast<double>(a[r * k + i]) * b[i * n + c];
      y[r * n + c] = static_cast<float>(relu ? std::max(acc, 0.0) : acc);
    }
  }
  return y;
}

ir::KPUConfig Preset(const std::string& name) { return *PresetConfig(name); }

TEST(InterpreterAgreement, MatmulShapesAndConfigs) {
  struct Case {
    int64_t m, k, n;
    std::string config;
  };
  for (const Case& c : {Case{1, 784, 128, "swkpu-v1"}, Case{16, 784, 128, "swkpu-v1"}, Case{37, 300, 50, "minimal"},
                        Case{200, 1500, 96, "minimal"}, Case{64, 2048, 40, "edge_ai"}, Case{5, 7, 3, "datacenter"}}) {
    ir::Graph g;
    AddInput(&g, "a", {c.m, c.k});
    const auto b = RandomValues(c.k * c.n, 0.1f, 3), bias = RandomValues(c.n, 0.1f, 4), a = RandomValues(c.m * c.k, 1.0f, 5);
    AddConstant(&g, "b", {c.k, c.n}, b);
    AddConstant(&g, "bias", {c.n}, bias);
    AddNode(&g, "matmul", {"a", "b"}, "mm");
    AddNode(&g, "add", {"mm", "bias"}, "sum");
    AddNode(&g, "relu", {"sum"}, "y");
    g.add_outputs("y");
    const std::string what = std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n) + " on " + c.config;
    RunResult r = CompileAndRunBoth(g, Preset(c.config), {a});
    const auto ref = MatmulRef(a, b, bias, c.m, c.k, c.n, true);
    ExpectClose(r.fast, ref, what + " fast");
    ExpectClose(r.interpreted, ref, what + " interpreted");
    EXPECT_EQ(r.metrics.total_macs(), static_cast<uint64_t>(c.m * c.k * c.n)) << what;
  }
}

// Every epilogue activation the registry accepts on matmul runs in the DFX too, not only relu.
TEST(InterpreterAgreement, MatmulEpilogueActivations) {
  for (const std::string act : {"relu", "relu6", "silu", "hardswish", "sigmoid"}) {
    ir::Graph g;
    AddInput(&g, "a", {20, 90});
    const auto a = RandomValues(20 * 90, 1.0f, 31), b = RandomValues(90 * 40, 0.3f, 32), bias = RandomValues(40, 1.0f, 33);
    AddConstant(&g, "b", {90, 40}, b);
    AddConstant(&g, "bias", {40}, bias);
    ir::Node* mm = AddNode(&g, "matmul", {"a", "b", "bias"}, "y");
    (*mm->mutable_attributes())["activation"].set_s(act);
    g.add_outputs("y");
    for (const std::string config : {"minimal", "swkpu-v1"}) {
      RunResult r = CompileAndRunBoth(g, Preset(config), {a});
      const auto linear = MatmulRef(a, b, bias, 20, 90, 40, false);
      std::vector<float> ref(linear.size());
      for (size_t i = 0; i < ref.size(); ++i) {
        const double v = linear[i];
        ref[i] = static_cast<float>(act == "relu"    ? std::max(v, 0.0)
                                    : act == "relu6" ? std::min(std::max(v, 0.0), 6.0)
                                    : act == "silu"  ? v / (1 + std::exp(-v))
                                    : act == "hardswish" ? v * std::min(std::max(v + 3, 0.0), 6.0) / 6
                                                         : 1 / (1 + std::exp(-v)));
      }
      ExpectClose(r.fast, ref, act + " fast on " + config);
      ExpectClose(r.interpreted, ref, act + " interpreted on " + config);
    }
  }
}

TEST(InterpreterAgreement, BatchedMatmulWithActivationInputs) {
  // A [3, 20, 70] x B [70, 33] with B an input, not a constant: nothing is pretransposed.
  ir::Graph g;
  AddInput(&g, "a", {3, 20, 70});
  AddInput(&g, "b", {70, 33});
  AddNode(&g, "matmul", {"a", "b"}, "y");
  g.add_outputs("y");
  const auto a = RandomValues(3 * 20 * 70, 1.0f, 7), b = RandomValues(70 * 33, 1.0f, 8);
  RunResult r = CompileAndRunBoth(g, Preset("minimal"), {a, b});
  ExpectClose(r.fast, MatmulRef(a, b, {}, 60, 70, 33, false), "fast");
  ExpectClose(r.interpreted, r.fast, "interpreted");
}

TEST(InterpreterAgreement, BroadcastAddsAndSoftmaxAxes) {
  ir::Graph g;
  AddInput(&g, "x", {6, 50, 40});
  AddInput(&g, "col", {50, 1});
  AddNode(&g, "add", {"x", "col"}, "s");
  ir::Node* sm = AddNode(&g, "softmax", {"s"}, "p0");
  (*sm->mutable_attributes())["axis"].set_i(1);
  ir::Node* sm2 = AddNode(&g, "softmax", {"p0"}, "y");
  (*sm2->mutable_attributes())["axis"].set_i(0);
  g.add_outputs("y");
  const auto x = RandomValues(6 * 50 * 40, 3.0f, 9), col = RandomValues(50, 3.0f, 10);
  // A small L1 forces the elementwise and softmax tiles to split the leading dimensions.
  ir::KPUConfig config = Preset("minimal");
  RunResult r = CompileAndRunBoth(g, config, {x, col});
  ExpectClose(r.interpreted, r.fast, "interpreted vs fast");
  // Reference: softmax over axis 1 then axis 0.
  std::vector<double> s(x.size());
  for (int a = 0; a < 6; ++a)
    for (int b = 0; b < 50; ++b)
      for (int c = 0; c < 40; ++c) s[(a * 50 + b) * 40 + c] = x[(a * 50 + b) * 40 + c] + col[b];
  auto softmax = [&](int axis) {
    const int dims[3] = {6, 50, 40};
    std::vector<double> out(s.size());
    for (int a = 0; a < 6; ++a)
      for (int b = 0; b < 50; ++b)
        for (int c = 0; c < 40; ++c) {
          int idx[3] = {a, b, c};
          double mx = -1e300, sum = 0;
          for (int j = 0; j < dims[axis]; ++j) {
            int t[3] = {a, b, c};
            t[axis] = j;
            mx = std::max(mx, s[(t[0] * 50 + t[1]) * 40 + t[2]]);
          }
          for (int j = 0; j < dims[axis]; ++j) {
            int t[3] = {a, b, c};
            t[axis] = j;
            sum += std::exp(s[(t[0] * 50 + t[1]) * 40 + t[2]] - mx);
          }
          out[(idx[0] * 50 + idx[1]) * 40 + idx[2]] = std::exp(s[(a * 50 + b) * 40 + c] - mx) / sum;
        }
    s = out;
  };
  softmax(1);
  softmax(0);
  ExpectClose(r.fast, std::vector<float>(s.begin(), s.end()), "fast vs reference");
}

TEST(InterpreterAgreement, MnistMlpAtEveryBatchOnEveryPreset) {
  for (const std::string& preset : PresetNames()) {
    for (int64_t batch : {1, 7, 16}) {
      const auto x = RandomValues(batch * 784, 1.0f, static_cast<uint32_t>(batch));
      RunResult r = CompileAndRunBoth(kpu::testing::MnistMlp(batch), Preset(preset), {x});
      ExpectClose(r.interpreted, r.fast, preset + " batch " + std::to_string(batch));
      EXPECT_GT(r.metrics.total_cycles(), 0u);
    }
  }
}


// conv2d in double: x [N, C, H, W], w [OC, C/g, KH, KW], padding top, left, bottom, right.
std::vector<float> ConvRef(const std::vector<float>& x, const Shape& xs, const std::vector<float>& w, const Shape& ws,
                           const std::vector<float>& bias, const std::vector<float>& residual, int64_t sh, int64_t sw,
                           std::array<int64_t, 4> pad, int64_t dh, int64_t dw, int64_t groups,
                           const std::string& act, Shape* out_shape) {
  const int64_t n = xs[0], c = xs[1], h = xs[2], wd = xs[3], oc = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
  const int64_t oh = (h + pad[0] + pad[2] - dh * (kh - 1) - 1) / sh + 1;
  const int64_t ow = (wd + pad[1] + pad[3] - dw * (kw - 1) - 1) / sw + 1;
  *out_shape = {n, oc, oh, ow};
  std::vector<float> y(n * oc * oh * ow);
  const int64_t ocg = oc / groups;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = bias.empty() ? 0 : bias[o];
          const int64_t grp = o / ocg;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t r = i * sh - pad[0] + p * dh, s = j * sw - pad[1] + q * dw;
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                acc += static_cast<double>(x[((b * c + grp * cg + ci) * h + r) * wd + s]) *
                       w[((o * cg + ci) * kh + p) * kw + q];
              }
          const int64_t idx = ((b * oc + o) * oh + i) * ow + j;
          if (!residual.empty()) acc += residual[idx];
          if (act == "relu") acc = std::max(acc, 0.0);
          if (act == "relu6") acc = std::min(std::max(acc, 0.0), 6.0);
          if (act == "silu") acc = acc / (1 + std::exp(-acc));
          y[idx] = static_cast<float>(acc);
        }
  return y;
}

// Every conv variant the CNNs use, on arrays of several shapes and on an L1 small enough to split
// the input channels: the tile interpreter (reading padded, haloed windows) agrees with the fast
// oneDNN path and both with a plain reference; the reordered interpreter is identical.
TEST(InterpreterAgreement, Conv2dVariants) {
  struct Case {
    std::string what;
    Shape x, w;
    int64_t sh, sw;
    std::array<int64_t, 4> pad;
    int64_t dh, dw, groups;
    bool bias, residual;
    std::string act;
  };
  const std::vector<Case> cases = {
      {"3x3 s1 p1 bias relu", {1, 8, 13, 13}, {20, 8, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 1, true, false, "relu"},
      {"stride 2, asymmetric padding, dilation 2", {2, 5, 17, 15}, {7, 5, 3, 3}, 2, 2, {0, 1, 1, 2}, 2, 2, 1, false, false, "none"},
      {"groups 2", {1, 8, 9, 11}, {12, 4, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 2, true, false, "none"},
      {"depthwise s2 relu6", {1, 24, 14, 14}, {24, 1, 3, 3}, 2, 2, {1, 1, 1, 1}, 1, 1, 24, true, false, "relu6"},
      {"1x1 residual silu", {1, 16, 10, 10}, {16, 16, 1, 1}, 1, 1, {0, 0, 0, 0}, 1, 1, 1, true, true, "silu"},
      {"stem 7x7 s2 p3", {1, 3, 32, 32}, {16, 3, 7, 7}, 2, 2, {3, 3, 3, 3}, 1, 1, 1, true, false, "relu"},
      {"wide channels (K split on a small L1)", {1, 96, 6, 6}, {40, 96, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 1, true, false, "none"},
  };
  const ir::KPUConfig small = kpu::testing::WithL1Bytes(Preset("minimal"), 16 * 1024);
  for (const Case& c : cases) {
    for (const std::string config : {"minimal", "swkpu-v1", "datacenter", "small-l1"}) {
      ir::Graph g;
      AddInput(&g, "x", {c.x.begin(), c.x.end()});
      const auto x = RandomValues(NumElements(c.x), 1.0f, 21), w = RandomValues(NumElements(c.w), 0.3f, 22);
      const auto bias = c.bias ? RandomValues(c.w[0], 0.5f, 23) : std::vector<float>{};
      AddConstant(&g, "w", {c.w.begin(), c.w.end()}, w);
      std::vector<std::string> inputs = {"x", "w"};
      if (c.bias) {
        AddConstant(&g, "b", {c.w[0]}, bias);
        inputs.push_back("b");
      }
      Shape ys;
      ConvRef(x, c.x, w, c.w, bias, {}, c.sh, c.sw, c.pad, c.dh, c.dw, c.groups, "none", &ys);
      const auto residual = c.residual ? RandomValues(NumElements(ys), 1.0f, 24) : std::vector<float>{};
      std::vector<std::vector<float>> feeds = {x};
      if (c.residual) {
        AddInput(&g, "res", {ys.begin(), ys.end()});
        inputs.push_back("res");
        feeds.push_back(residual);
      }
      ir::Node* conv = AddNode(&g, "conv2d", inputs, "y");
      auto& attrs = *conv->mutable_attributes();
      for (int64_t v : {c.sh, c.sw}) attrs["stride"].mutable_ints()->add_values(v);
      for (int64_t v : c.pad) attrs["padding"].mutable_ints()->add_values(v);
      for (int64_t v : {c.dh, c.dw}) attrs["dilation"].mutable_ints()->add_values(v);
      attrs["groups"].set_i(c.groups);
      attrs["activation"].set_s(c.act);
      g.add_outputs("y");
      const std::string what = c.what + " on " + config;
      RunResult r = CompileAndRunBoth(g, config == "small-l1" ? small : Preset(config), feeds);
      Shape unused;
      const auto ref = ConvRef(x, c.x, w, c.w, bias, residual, c.sh, c.sw, c.pad, c.dh, c.dw, c.groups, c.act, &unused);
      ExpectClose(r.fast, ref, what + " fast");
      ExpectClose(r.interpreted, ref, what + " interpreted");
      const uint64_t macs = NumElements(ys) * c.w[1] * c.w[2] * c.w[3];
      EXPECT_EQ(r.metrics.total_macs(), macs) << what;
    }
  }
}

}  // namespace
}  // namespace kpu
