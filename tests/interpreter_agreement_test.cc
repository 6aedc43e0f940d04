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
#include "kpu/ir/errors.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/agreement.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::ExpectClose;
using kpu::testing::MatmulRef;
using kpu::testing::RandomValues;
using kpu::testing::RunResult;

RunResult CompileAndRunBoth(const ir::Graph& g, const ir::KPUConfig& config, const std::vector<std::vector<float>>& inputs) {
  return kpu::testing::CompileAndRunAll(g, config, inputs);
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

// torch.matmul's batch broadcasting with B batched too (bmm): B of rank 3 or 4, a missing or
// size-1 batch dim on either side. Once, a rank-3 B was lowered as if it were [K, N].
TEST(InterpreterAgreement, BroadcastBatchedMatmul) {
  for (const auto& [as, bs] : testing::BroadcastMatmulShapes()) {
    ir::Graph g;
    AddInput(&g, "a", as);
    AddInput(&g, "b", bs);
    AddNode(&g, "matmul", {"a", "b"}, "y");
    g.add_outputs("y");
    const auto a = RandomValues(NumElements(as), 1.0f, 17), b = RandomValues(NumElements(bs), 1.0f, 18);
    Shape out;
    const auto ref = testing::BatchedMatmulRef(a, as, b, bs, &out);
    const std::string what = FormatShape(as) + " x " + FormatShape(bs);
    for (const std::string config : {"minimal", "swkpu-v1"}) {
      RunResult r = CompileAndRunBoth(g, Preset(config), {a, b});
      ExpectClose(r.fast, ref, what + " fast on " + config);
      ExpectClose(r.interpreted, ref, what + " interpreted on " + config);
    }
  }
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


// Every conv variant the CNNs use, on arrays of several shapes and on an L1 small enough to split
// the input channels: the tile interpreter (reading padded, haloed windows, stored NHWC in L1)
// agrees with the fast oneDNN path and both with a plain reference; the reordered interpreter is
// identical.
TEST(InterpreterAgreement, Conv2dVariants) {
  const std::vector<testing::ConvCase> cases = testing::ConvVariants();
  const ir::KPUConfig small = kpu::testing::WithL1Bytes(Preset("minimal"), 16 * 1024);
  for (const testing::ConvCase& c : cases) {
    for (const std::string config : {"minimal", "swkpu-v1", "datacenter", "small-l1"}) {
      std::vector<std::vector<float>> feeds;
      std::vector<float> ref;
      const ir::Graph g = testing::ConvCaseGraph(c, &feeds, &ref);
      const std::string what = c.what + " on " + config;
      RunResult r = CompileAndRunBoth(g, config == "small-l1" ? small : Preset(config), feeds);
      // The tiles the interpreter ran on were channels-innermost (lower_conv2d.cc, ConvTileLayout).
      EXPECT_GT(testing::NhwcRegions(r.program), 0) << what;
      ExpectClose(r.fast, ref, what + " fast");
      ExpectClose(r.interpreted, ref, what + " interpreted");
      const uint64_t ys = ref.size();
      const uint64_t macs = ys * c.w[1] * c.w[2] * c.w[3];
      EXPECT_EQ(r.metrics.total_macs(), macs) << what;
    }
  }
}

}  // namespace
}  // namespace kpu
