#include "kpu/testing/agreement.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::testing {

RunResult CompileAndRunAll(const ir::Graph& g, const ir::KPUConfig& config, const std::vector<std::vector<float>>& inputs,
                           ir::Dataflow dataflow, bool interpret) {
  compiler::CompileOptions options;
  options.dataflow = dataflow;
  auto program = compiler::Compile(g, config, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << exec.status();
  const auto& p = program->proto;
  RunResult r;
  r.program = p;
  for (const ir::KPUOp& op : p.operations().ops()) {
    if (op.op_type() == "matmul" || op.op_type() == "conv2d") r.dataflows.push_back(op.tiling().dataflow());
  }
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
  r.fast.resize(NumElements(out_shape));
  r.interpreted.resize(NumElements(out_shape));
  r.reordered.resize(NumElements(out_shape));
  for (auto [engine, data] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted},
                              {runtime::Engine::kDfxInterpreterReordered, &r.reordered}}) {
    if (!interpret && engine != runtime::Engine::kFast) continue;
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, {{p.metadata().output_ids(0), ir::FLOAT32, out_shape, data->data(), data->size() * sizeof(float)}}, o);
    EXPECT_TRUE(s.ok()) << s;
  }
  r.metrics = *(*exec)->last_metrics();
  if (!interpret) return r;
  // Decision 9: any order the dependencies allow computes the same tiles in the same
  // accumulation order, so the values are identical, not merely close.
  EXPECT_EQ(r.interpreted, r.reordered) << "the reordered interpreter disagrees: a dependency is missing";
  return r;
}

namespace {

int64_t NhwcIn(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops) {
  int64_t n = 0;
  for (const ir::DfxOp& op : ops) {
    if (op.has_tile_loop()) n += NhwcIn(op.tile_loop().body());
    if (op.has_data_move()) {
      n += (op.data_move().source().layout() == ir::LAYOUT_NHWC) + (op.data_move().destination().layout() == ir::LAYOUT_NHWC);
    }
    if (op.has_compute()) {
      for (const ir::TensorRegion& r : op.compute().inputs()) n += r.layout() == ir::LAYOUT_NHWC;
      n += op.compute().output().layout() == ir::LAYOUT_NHWC;
    }
  }
  return n;
}

}  // namespace

int64_t NhwcRegions(const ir::KPUProgram& program) {
  int64_t n = 0;
  for (const ir::KPUOp& op : program.operations().ops()) n += NhwcIn(op.dfx());
  return n;
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

std::vector<float> BatchedMatmulRef(const std::vector<float>& a, const Shape& as, const std::vector<float>& b,
                                    const Shape& bs, Shape* out_shape) {
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size());
  // Batch dims right-aligned, 1 where an operand has none.
  Shape ab(rank - as.size(), 1), bb(rank - bs.size(), 1), ob;
  ab.insert(ab.end(), as.begin(), as.end() - 2);
  bb.insert(bb.end(), bs.begin(), bs.end() - 2);
  for (size_t d = 0; d + 2 < rank; ++d) ob.push_back(std::max(ab[d], bb[d]));
  *out_shape = ob;
  out_shape->push_back(m);
  out_shape->push_back(n);
  std::vector<float> y(NumElements(*out_shape));
  const int64_t batches = NumElements(ob);
  for (int64_t i = 0; i < batches; ++i) {
    // The output batch's coordinates, and each operand's batch under broadcasting.
    int64_t rest = i, ia = 0, ib = 0, stride_a = 1, stride_b = 1;
    for (int d = static_cast<int>(ob.size()) - 1; d >= 0; --d) {
      const int64_t idx = rest % ob[d];
      rest /= ob[d];
      ia += (ab[d] == 1 ? 0 : idx) * stride_a;
      ib += (bb[d] == 1 ? 0 : idx) * stride_b;
      stride_a *= ab[d];
      stride_b *= bb[d];
    }
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t c = 0; c < n; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < k; ++j) {
          acc += static_cast<double>(a[(ia * m + r) * k + j]) * b[(ib * k + j) * n + c];
        }
        y[(i * m + r) * n + c] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

std::vector<std::pair<Shape, Shape>> BroadcastMatmulShapes() {
  return {{{2, 3, 4}, {2, 4, 5}},           {{2, 1, 3, 4}, {5, 4, 6}},       {{2, 1, 3, 4}, {1, 5, 4, 6}},
          {{3, 4}, {2, 4, 5}},              {{1, 3, 4}, {2, 4, 5}},          {{2, 40, 70}, {2, 70, 37}},
          {{3, 1, 20, 33}, {1, 2, 33, 50}}};
}

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

std::vector<ConvCase> ConvVariants() {
  return {
      {"3x3 s1 p1 bias relu", {1, 8, 13, 13}, {20, 8, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 1, true, false, "relu"},
      {"stride 2, asymmetric padding, dilation 2", {2, 5, 17, 15}, {7, 5, 3, 3}, 2, 2, {0, 1, 1, 2}, 2, 2, 1, false, false, "none"},
      {"groups 2", {1, 8, 9, 11}, {12, 4, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 2, true, false, "none"},
      {"depthwise s2 relu6", {1, 24, 14, 14}, {24, 1, 3, 3}, 2, 2, {1, 1, 1, 1}, 1, 1, 24, true, false, "relu6"},
      {"1x1 residual silu", {1, 16, 10, 10}, {16, 16, 1, 1}, 1, 1, {0, 0, 0, 0}, 1, 1, 1, true, true, "silu"},
      {"stem 7x7 s2 p3", {1, 3, 32, 32}, {16, 3, 7, 7}, 2, 2, {3, 3, 3, 3}, 1, 1, 1, true, false, "relu"},
      {"wide channels (K split on a small L1)", {1, 96, 6, 6}, {40, 96, 3, 3}, 1, 1, {1, 1, 1, 1}, 1, 1, 1, true, false, "none"},
  };
}

ir::Graph ConvCaseGraph(const ConvCase& c, std::vector<std::vector<float>>* feeds, std::vector<float>* ref) {
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
  *feeds = {x};
  if (c.residual) {
    AddInput(&g, "res", {ys.begin(), ys.end()});
    inputs.push_back("res");
    feeds->push_back(residual);
  }
  ir::Node* conv = AddNode(&g, "conv2d", inputs, "y");
  auto& attrs = *conv->mutable_attributes();
  for (int64_t v : {c.sh, c.sw}) attrs["stride"].mutable_ints()->add_values(v);
  for (int64_t v : c.pad) attrs["padding"].mutable_ints()->add_values(v);
  for (int64_t v : {c.dh, c.dw}) attrs["dilation"].mutable_ints()->add_values(v);
  attrs["groups"].set_i(c.groups);
  attrs["activation"].set_s(c.act);
  g.add_outputs("y");
  Shape unused;
  *ref = ConvRef(x, c.x, w, c.w, bias, residual, c.sh, c.sw, c.pad, c.dh, c.dw, c.groups, c.act, &unused);
  return g;
}

}  // namespace kpu::testing
