// Decision 2 for the data-layout and reduction ops (reshape, permute, concat, split, slice, pad,
// mean, sum, amax, batch_norm): on two presets and a config with a tiny L1 (which splits every
// tile), the fast path, the tile interpreter and the reordered interpreter agree with a plain
// reference loop; the reordered interpreter is identical to the program-order one. reshape is a
// zero-copy alias: no DFX, no DRAM traffic, no arena growth.
#include <cmath>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/executor.h"
#include "kpu/sim/analytical_model.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;
using Values = std::vector<float>;

// Each output's values from the three engines.
struct Outputs {
  std::map<std::string, Values> fast, interpreted, reordered;
  ir::KPUPerformanceMetrics metrics;
  Program program;
};

Outputs RunAll(const ir::Graph& g, const ir::KPUConfig& config, const std::map<std::string, Values>& inputs,
               const std::string& what) {
  Outputs r;
  auto program = compiler::Compile(g, config, {});
  EXPECT_TRUE(program.ok()) << what << ": " << program.status();
  if (!program.ok()) return r;
  r.program = *program;
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << what << ": " << exec.status();
  if (!exec.ok()) return r;
  const auto& p = program->proto;
  std::map<std::string, Shape> shapes;
  for (const auto& t : p.tensors().tensors()) shapes[t.name()] = ToShape(t.shape());
  std::vector<runtime::HostTensor> in;
  for (const std::string& id : p.metadata().input_ids()) {
    const Values& v = inputs.at(id);
    in.push_back({id, ir::FLOAT32, shapes[id], const_cast<float*>(v.data()), v.size() * sizeof(float)});
  }
  for (auto [engine, into] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted},
                              {runtime::Engine::kDfxInterpreterReordered, &r.reordered}}) {
    std::vector<runtime::HostTensor> out;
    for (const std::string& id : p.metadata().output_ids()) {
      Values& v = (*into)[id];
      v.assign(NumElements(shapes[id]), std::nanf(""));
      out.push_back({id, ir::FLOAT32, shapes[id], v.data(), v.size() * sizeof(float)});
    }
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, out, o);
    EXPECT_TRUE(s.ok()) << what << ": " << s;
  }
  r.metrics = *(*exec)->last_metrics();
  EXPECT_EQ(r.interpreted, r.reordered) << what << ": the reordered interpreter disagrees: a dependency is missing";
  return r;
}

void ExpectClose(const Values& got, const Values& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 1e-3;
  for (float v : want) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_LE(std::fabs(static_cast<double>(got[i]) - want[i]), 2e-5 * scale)
        << what << ": element " << i << " is " << got[i] << ", expected " << want[i];
  }
}

// Checks every engine's output `name` against `want`.
void ExpectAll(const Outputs& r, const std::string& name, const Values& want, const std::string& what) {
  for (const auto* engine : {&r.fast, &r.interpreted}) {
    auto it = engine->find(name);
    ASSERT_NE(it, engine->end()) << what << ": no output " << name;
    ExpectClose(it->second, want, what + (engine == &r.fast ? " fast " : " interpreted ") + name);
  }
}

std::vector<std::pair<std::string, ir::KPUConfig>> Configs() {
  ir::KPUConfig tiny = kpu::testing::WithL1Bytes(*PresetConfig("minimal"), 2 * 1024);
  tiny.set_name("tiny-l1");
  return {{"minimal", *PresetConfig("minimal")}, {"edge_ai", *PresetConfig("edge_ai")}, {"tiny-l1", tiny}};
}

void SetInts(ir::Node* n, const std::string& name, const std::vector<int64_t>& v) {
  for (int64_t x : v) (*n->mutable_attributes())[name].mutable_ints()->add_values(x);
}

void SetInt(ir::Node* n, const std::string& name, int64_t v) { (*n->mutable_attributes())[name].set_i(v); }

// Row-major strides of a shape.
std::vector<int64_t> Strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int d = static_cast<int>(s.size()) - 2; d >= 0; --d) st[d] = st[d + 1] * s[d + 1];
  return st;
}

// Calls f(flat index, coordinates) for every element of `shape`.
template <typename F>
void ForEach(const Shape& shape, F f) {
  std::vector<int64_t> c(shape.size(), 0);
  const int64_t n = NumElements(shape);
  for (int64_t i = 0; i < n; ++i) {
    f(i, c);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++c[d] < shape[d]) break;
      c[d] = 0;
    }
  }
}

int64_t At(const std::vector<int64_t>& c, const Shape& shape) {
  const auto st = Strides(shape);
  int64_t off = 0;
  for (size_t d = 0; d < c.size(); ++d) off += c[d] * st[d];
  return off;
}

TEST(ShapeOpsAgreement, Permute) {
  struct Case {
    Shape x;
    std::vector<int64_t> perm;
  };
  for (const Case& c : {Case{{2, 3, 4, 5}, {0, 2, 3, 1}}, Case{{2, 3, 4, 5}, {3, 1, 0, 2}}, Case{{37, 53}, {1, 0}},
                        Case{{3, 40, 30}, {2, 0, 1}}}) {
    Shape y(c.x.size());
    for (size_t d = 0; d < y.size(); ++d) y[d] = c.x[c.perm[d]];
    const Values x = RandomValues(NumElements(c.x), 1.0f, 31);
    Values want(NumElements(y));
    ForEach(y, [&](int64_t i, const std::vector<int64_t>& cy) {
      std::vector<int64_t> cx(c.x.size());
      for (size_t d = 0; d < y.size(); ++d) cx[c.perm[d]] = cy[d];
      want[i] = x[At(cx, c.x)];
    });
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", c.x);
      SetInts(AddNode(&g, "permute", {"x"}, "y"), "perm", c.perm);
      g.add_outputs("y");
      const std::string what = "permute " + FormatShape(c.x) + " on " + name;
      ExpectAll(RunAll(g, config, {{"x", x}}, what), "y", want, what);
    }
  }
}

TEST(ShapeOpsAgreement, Concat) {
  struct Case {
    std::vector<Shape> xs;
    int64_t axis;
  };
  for (const Case& c : {Case{{{2, 3, 5, 7}, {2, 4, 5, 7}, {2, 1, 5, 7}}, 1}, Case{{{3, 50}, {7, 50}}, 0},
                        Case{{{4, 6, 13}, {4, 6, 29}, {4, 6, 1}, {4, 6, 5}}, -1}, Case{{{9, 17}}, 1}}) {
    const int64_t rank = static_cast<int64_t>(c.xs[0].size());
    const int64_t axis = c.axis < 0 ? c.axis + rank : c.axis;
    Shape y = c.xs[0];
    y[axis] = 0;
    for (const Shape& s : c.xs) y[axis] += s[axis];
    std::map<std::string, Values> inputs;
    Values want(NumElements(y));
    int64_t offset = 0;
    for (size_t i = 0; i < c.xs.size(); ++i) {
      const Values x = RandomValues(NumElements(c.xs[i]), 1.0f, 40 + i);
      inputs["x" + std::to_string(i)] = x;
      ForEach(c.xs[i], [&](int64_t j, std::vector<int64_t> cx) {
        cx[axis] += offset;
        want[At(cx, y)] = x[j];
      });
      offset += c.xs[i][axis];
    }
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      std::vector<std::string> names;
      for (size_t i = 0; i < c.xs.size(); ++i) {
        names.push_back("x" + std::to_string(i));
        AddInput(&g, names.back(), c.xs[i]);
      }
      SetInt(AddNode(&g, "concat", names, "y"), "axis", c.axis);
      g.add_outputs("y");
      const std::string what = "concat of " + std::to_string(c.xs.size()) + " on axis " + std::to_string(c.axis) + " on " + name;
      ExpectAll(RunAll(g, config, inputs, what), "y", want, what);
    }
  }
}

TEST(ShapeOpsAgreement, SplitHasSeveralOutputs) {
  struct Case {
    Shape x;
    int64_t axis;
    std::vector<int64_t> sizes;
  };
  for (const Case& c : {Case{{2, 9, 5, 7}, 1, {2, 3, 4}}, Case{{30, 41}, -1, {20, 1, 20}}, Case{{12, 5}, 0, {5, 7}}}) {
    const int64_t axis = c.axis < 0 ? c.axis + static_cast<int64_t>(c.x.size()) : c.axis;
    const Values x = RandomValues(NumElements(c.x), 1.0f, 51);
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", c.x);
      ir::Node* n = AddNode(&g, "split", {"x"}, "y0");
      SetInt(n, "axis", c.axis);
      SetInts(n, "sizes", c.sizes);
      for (size_t j = 1; j < c.sizes.size(); ++j) n->add_outputs("y" + std::to_string(j));
      // A consumer of one part, so not every part is a graph output.
      AddNode(&g, "relu", {"y1"}, "r1");
      for (size_t j = 0; j < c.sizes.size(); ++j) {
        if (j != 1) g.add_outputs("y" + std::to_string(j));
      }
      g.add_outputs("r1");
      const std::string what = "split " + FormatShape(c.x) + " on axis " + std::to_string(c.axis) + " on " + name;
      Outputs r = RunAll(g, config, {{"x", x}}, what);
      int64_t offset = 0;
      for (size_t j = 0; j < c.sizes.size(); ++j) {
        Shape y = c.x;
        y[axis] = c.sizes[j];
        Values want(NumElements(y));
        ForEach(y, [&](int64_t i, std::vector<int64_t> cy) {
          cy[axis] += offset;
          want[i] = x[At(cy, c.x)];
        });
        if (j == 1) {
          for (float& v : want) v = std::max(v, 0.0f);
          ExpectAll(r, "r1", want, what);
        } else {
          ExpectAll(r, "y" + std::to_string(j), want, what);
        }
        offset += c.sizes[j];
      }
    }
  }
}

TEST(ShapeOpsAgreement, Slice) {
  struct Case {
    Shape x;
    int64_t axis, start, end, step;
  };
  for (const Case& c : {Case{{2, 3, 20, 7}, 2, 1, 18, 3}, Case{{50, 40}, 0, -30, 1000, 1}, Case{{6, 45}, 1, 0, 45, 2},
                        Case{{4, 33, 5}, -2, 5, -3, 4}}) {
    const int64_t rank = static_cast<int64_t>(c.x.size());
    const int64_t axis = c.axis < 0 ? c.axis + rank : c.axis;
    const int64_t n = c.x[axis];
    auto clamp = [&](int64_t v) { return std::min(std::max(v < 0 ? v + n : v, int64_t{0}), n); };
    const int64_t start = clamp(c.start), end = clamp(c.end);
    Shape y = c.x;
    y[axis] = end > start ? (end - start + c.step - 1) / c.step : 0;
    const Values x = RandomValues(NumElements(c.x), 1.0f, 61);
    Values want(NumElements(y));
    ForEach(y, [&](int64_t i, std::vector<int64_t> cy) {
      cy[axis] = start + cy[axis] * c.step;
      want[i] = x[At(cy, c.x)];
    });
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", c.x);
      ir::Node* s = AddNode(&g, "slice", {"x"}, "y");
      SetInt(s, "axis", c.axis);
      SetInt(s, "start", c.start);
      SetInt(s, "end", c.end);
      SetInt(s, "step", c.step);
      g.add_outputs("y");
      const std::string what = "slice " + FormatShape(c.x) + " axis " + std::to_string(c.axis) + " on " + name;
      ExpectAll(RunAll(g, config, {{"x", x}}, what), "y", want, what);
    }
  }
}

TEST(ShapeOpsAgreement, ConstantPad) {
  struct Case {
    Shape x;
    std::vector<int64_t> pads;
    double value;
  };
  for (const Case& c : {Case{{2, 3, 9, 11}, {0, 0, 1, 2, 0, 0, 3, 1}, 0.0}, Case{{20, 30}, {3, 4, 5, 6}, 1.5},
                        Case{{3, 5, 7}, {1, 0, 2, 0, 3, 0}, -2.0}}) {
    const size_t rank = c.x.size();
    Shape y = c.x;
    for (size_t d = 0; d < rank; ++d) y[d] += c.pads[d] + c.pads[d + rank];
    const Values x = RandomValues(NumElements(c.x), 1.0f, 71);
    Values want(NumElements(y), static_cast<float>(c.value));
    ForEach(c.x, [&](int64_t i, std::vector<int64_t> cx) {
      for (size_t d = 0; d < rank; ++d) cx[d] += c.pads[d];
      want[At(cx, y)] = x[i];
    });
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", c.x);
      ir::Node* p = AddNode(&g, "pad", {"x"}, "y");
      SetInts(p, "pads", c.pads);
      (*p->mutable_attributes())["value"].set_f(c.value);
      g.add_outputs("y");
      const std::string what = "pad " + FormatShape(c.x) + " on " + name;
      ExpectAll(RunAll(g, config, {{"x", x}}, what), "y", want, what);
    }
  }
}

TEST(ShapeOpsAgreement, Reductions) {
  struct Case {
    std::string op;
    Shape x;
    std::vector<int64_t> axes;
    bool keepdim;
  };
  for (const Case& c : {Case{"mean", {2, 6, 7, 9}, {2, 3}, true}, Case{"mean", {2, 6, 7, 9}, {1}, false},
                        Case{"sum", {5, 40, 30}, {0, 2}, false}, Case{"sum", {3, 64, 12}, {-1}, true},
                        Case{"amax", {4, 10, 33}, {1}, true}, Case{"amax", {4, 10, 33}, {0, 1, 2}, true},
                        Case{"mean", {4, 10, 33}, {}, false}}) {
    const size_t rank = c.x.size();
    std::vector<bool> reduced(rank, c.axes.empty());
    for (int64_t a : c.axes) reduced[a < 0 ? a + rank : a] = true;
    Shape kept = c.x;
    int64_t count = 1;
    for (size_t d = 0; d < rank; ++d) {
      if (reduced[d]) {
        count *= c.x[d];
        kept[d] = 1;
      }
    }
    const Values x = RandomValues(NumElements(c.x), 2.0f, 81);
    std::vector<double> acc(NumElements(kept), c.op == "amax" ? -INFINITY : 0.0);
    ForEach(c.x, [&](int64_t i, std::vector<int64_t> cx) {
      for (size_t d = 0; d < rank; ++d) {
        if (reduced[d]) cx[d] = 0;
      }
      double& a = acc[At(cx, kept)];
      a = c.op == "amax" ? std::max(a, static_cast<double>(x[i])) : a + x[i];
    });
    Values want;
    for (double a : acc) want.push_back(static_cast<float>(c.op == "mean" ? a / count : a));
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", c.x);
      ir::Node* n = AddNode(&g, c.op, {"x"}, "y");
      if (!c.axes.empty()) SetInts(n, "axes", c.axes);
      SetInt(n, "keepdim", c.keepdim);
      g.add_outputs("y");
      const std::string what = c.op + " " + FormatShape(c.x) + " on " + name;
      // The reduced axes stay whole in a tile (no partial reductions yet): an input tile of
      // `count` elements and its result must fit L1, or compiling says so.
      if (name == "tiny-l1" && count * 2 * sizeof(float) > 2048) {
        auto program = compiler::Compile(g, config, {});
        ASSERT_FALSE(program.ok()) << what;
        EXPECT_NE(program.status().message().find("SRAM memory exceeded"), std::string::npos) << program.status();
        continue;
      }
      ExpectAll(RunAll(g, config, {{"x", x}}, what), "y", want, what);
    }
  }
}

TEST(ShapeOpsAgreement, StandaloneBatchNorm) {
  for (const Shape& xs : {Shape{2, 6, 7, 9}, Shape{1, 37, 5, 5}, Shape{8, 12}}) {
    const int64_t c = xs[1];
    const Values x = RandomValues(NumElements(xs), 2.0f, 91), w = RandomValues(c, 1.0f, 92),
                 b = RandomValues(c, 1.0f, 93), mean = RandomValues(c, 0.5f, 94);
    Values var = RandomValues(c, 0.5f, 95);
    for (float& v : var) v = std::fabs(v) + 0.1f;
    const int64_t inner = NumElements(xs) / (xs[0] * c);
    Values want(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const int64_t ch = (static_cast<int64_t>(i) / inner) % c;
      want[i] = static_cast<float>((x[i] - mean[ch]) / std::sqrt(static_cast<double>(var[ch]) + 1e-3) * w[ch] + b[ch]);
    }
    for (const auto& [name, config] : Configs()) {
      ir::Graph g;
      AddInput(&g, "x", xs);
      AddConstant(&g, "w", {c}, w);
      AddConstant(&g, "b", {c}, b);
      AddConstant(&g, "m", {c}, mean);
      AddConstant(&g, "v", {c}, var);
      ir::Node* n = AddNode(&g, "batch_norm", {"x", "w", "b", "m", "v"}, "y");
      (*n->mutable_attributes())["epsilon"].set_f(1e-3);
      g.add_outputs("y");
      const std::string what = "batch_norm " + FormatShape(xs) + " on " + name;
      ExpectAll(RunAll(g, config, {{"x", x}}, what), "y", want, what);
    }
  }
}

// reshape: the output is the input's bytes under another shape.
TEST(ShapeOpsAgreement, ReshapeOfActivationsInputsOutputsAndWeights) {
  const Values x = RandomValues(2 * 3 * 4 * 5, 1.0f, 101), w = RandomValues(4 * 5 * 7, 0.3f, 102),
               bias = RandomValues(20, 1.0f, 103);
  for (const auto& [name, config] : Configs()) {
    ir::Graph g;
    AddInput(&g, "x", {2, 3, 4, 5});
    AddConstant(&g, "w", {4, 5, 7}, w);
    AddConstant(&g, "bias", {20}, bias);
    // An activation reshaped, then used.
    AddNode(&g, "relu", {"x"}, "h");
    SetInts(AddNode(&g, "reshape", {"h"}, "h2"), "shape", {6, 20});
    AddNode(&g, "add", {"h2", "bias"}, "a");
    // A graph input reshaped straight into a graph output, through a chain.
    SetInts(AddNode(&g, "reshape", {"x"}, "x1"), "shape", {6, 4, 5});
    SetInts(AddNode(&g, "reshape", {"x1"}, "xo"), "shape", {120});
    // A weight reshaped for a matmul.
    SetInts(AddNode(&g, "reshape", {"w"}, "w2"), "shape", {20, 7});
    AddNode(&g, "matmul", {"a", "w2"}, "mm");
    // An output that is a reshape of another output.
    SetInts(AddNode(&g, "reshape", {"mm"}, "mm2"), "shape", {3, 2, 7});
    // A weight reshaped straight into a graph output: the output is a weight.
    SetInts(AddNode(&g, "reshape", {"bias"}, "bo"), "shape", {4, 5});
    for (const char* o : {"a", "xo", "mm", "mm2", "bo"}) g.add_outputs(o);
    const std::string what = "reshapes on " + name;
    Outputs r = RunAll(g, config, {{"x", x}}, what);
    Values a(120), mm(42, 0.0f);
    for (int i = 0; i < 120; ++i) a[i] = std::max(x[i], 0.0f) + bias[i % 20];
    for (int m = 0; m < 6; ++m)
      for (int n = 0; n < 7; ++n) {
        double s = 0;
        for (int k = 0; k < 20; ++k) s += static_cast<double>(a[m * 20 + k]) * w[k * 7 + n];
        mm[m * 7 + n] = static_cast<float>(s);
      }
    ExpectAll(r, "a", a, what);
    ExpectAll(r, "xo", x, what);
    ExpectAll(r, "mm", mm, what);
    ExpectAll(r, "mm2", mm, what);
    ExpectAll(r, "bo", bias, what);
    // Every remaining reshape is an alias: no DFX, no estimated cycles; its output shares the
    // input's arena offset.
    std::map<std::string, uint64_t> offset;
    for (const auto& t : r.program.proto.tensors().tensors()) offset[t.name()] = t.arena_offset();
    int reshapes = 0;
    for (const ir::KPUOp& op : r.program.proto.operations().ops()) {
      if (op.op_type() != "reshape") continue;
      ++reshapes;
      EXPECT_EQ(op.dfx_size(), 0) << what << " " << op.id();
      EXPECT_EQ(op.estimated_cycles(), 0u) << what << " " << op.id();
      EXPECT_EQ(offset[op.outputs(0)], offset[op.inputs(0)]) << what << " " << op.id();
    }
    EXPECT_EQ(reshapes, 4) << what << ": the weight's reshape is folded, the others stay as aliases";
  }
}

TEST(ShapeOpsAgreement, ReshapeMovesNoBytesAndTakesNoArena) {
  // relu -> relu, and relu -> reshape -> relu: same DRAM traffic, same arena.
  auto build = [](bool reshape) {
    ir::Graph g;
    AddInput(&g, "x", {4, 32, 16});
    AddNode(&g, "relu", {"x"}, "h");
    std::string mid = "h";
    if (reshape) {
      SetInts(AddNode(&g, "reshape", {"h"}, "h2"), "shape", {128, 16});
      mid = "h2";
    }
    AddNode(&g, "relu", {mid}, "y");
    g.add_outputs("y");
    return g;
  };
  const Values x = RandomValues(4 * 32 * 16, 1.0f, 111);
  for (const auto& [name, config] : Configs()) {
    Outputs plain = RunAll(build(false), config, {{"x", x}}, "plain on " + name);
    Outputs aliased = RunAll(build(true), config, {{"x", x}}, "reshaped on " + name);
    ExpectAll(aliased, "y", plain.fast["y"], "reshaped on " + name);
    EXPECT_EQ(aliased.metrics.dram_reads_bytes(), plain.metrics.dram_reads_bytes()) << name;
    EXPECT_EQ(aliased.metrics.dram_writes_bytes(), plain.metrics.dram_writes_bytes()) << name;
    EXPECT_EQ(aliased.program.proto.hints().estimated_dram_bytes(), plain.program.proto.hints().estimated_dram_bytes())
        << name;
    EXPECT_EQ(aliased.program.proto.metadata().peak_dram_bytes(), plain.program.proto.metadata().peak_dram_bytes())
        << name;
    EXPECT_EQ(aliased.program.proto.metadata().activation_bytes(), plain.program.proto.metadata().activation_bytes())
        << name;
  }
}

// Decision 10 for these ops: the compiler's per-op estimates are the analytical mode's.
TEST(ShapeOpsAgreement, EstimatesAreTheAnalyticalModels) {
  ir::Graph g;
  AddInput(&g, "x", {2, 6, 10, 12});
  for (const char* p : {"w", "b", "m", "v"}) AddConstant(&g, p, {6}, RandomValues(6, 0.5f, 121));
  AddNode(&g, "batch_norm", {"x", "w", "b", "m", "v"}, "bn");
  SetInts(AddNode(&g, "permute", {"bn"}, "p"), "perm", {0, 2, 3, 1});
  ir::Node* s = AddNode(&g, "split", {"p"}, "s0");
  SetInt(s, "axis", 3);
  SetInts(s, "sizes", {2, 4});
  s->add_outputs("s1");
  ir::Node* pad = AddNode(&g, "pad", {"s0"}, "pd");
  SetInts(pad, "pads", {0, 0, 0, 2, 0, 0, 0, 0});
  SetInt(AddNode(&g, "concat", {"pd", "s1"}, "c"), "axis", 3);
  ir::Node* sl = AddNode(&g, "slice", {"c"}, "sl");
  SetInt(sl, "axis", 1);
  SetInt(sl, "start", 1);
  SetInt(sl, "end", 9);
  SetInt(sl, "step", 2);
  SetInts(AddNode(&g, "reshape", {"sl"}, "r"), "shape", {2, 4 * 12, 8});
  SetInts(AddNode(&g, "mean", {"r"}, "y"), "axes", {1});
  g.add_outputs("y");
  for (const auto& [name, config] : Configs()) {
    auto program = compiler::Compile(g, config, {});
    ASSERT_TRUE(program.ok()) << name << ": " << program.status();
    auto m = sim::EstimateProgram(program->proto, config);
    ASSERT_TRUE(m.ok()) << m.status();
    ASSERT_EQ(m->op_metrics_size(), program->proto.operations().ops_size());
    for (int i = 0; i < m->op_metrics_size(); ++i) {
      const ir::KPUOp& op = program->proto.operations().ops(i);
      EXPECT_EQ(op.estimated_cycles(), m->op_metrics(i).cycles()) << name << " " << op.id();
      if (op.op_type() != "reshape") {
        EXPECT_GT(op.estimated_cycles(), 0u) << name << " " << op.id();
      }
    }
    EXPECT_EQ(program->proto.hints().estimated_dram_bytes(), m->dram_reads_bytes() + m->dram_writes_bytes()) << name;
  }
}

}  // namespace
}  // namespace kpu
