#include "kpu/testing/op_samples.h"

#include <functional>
#include <map>

#include "kpu/ir/dtype.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::testing {
namespace {

using Shape = std::vector<int64_t>;

void Ints(ir::Node* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* ints = (*n->mutable_attributes())[name].mutable_ints();
  for (int64_t x : v) ints->add_values(x);
}
void Int(ir::Node* n, const std::string& name, int64_t v) { (*n->mutable_attributes())[name].set_i(v); }
void Float(ir::Node* n, const std::string& name, double v) { (*n->mutable_attributes())[name].set_f(v); }

int64_t Count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

void Constant(ir::Graph* g, const std::string& name, const Shape& shape, uint32_t seed, float offset = 0) {
  std::vector<float> v = RandomValues(Count(shape), 0.5f, seed);
  for (float& x : v) x += offset;
  AddConstant(g, name, shape, v);
}

// A graph named `op` reading input(s) and writing output "y"; `build` adds the op's node.
ir::Graph Sample(const std::string& op, const std::vector<std::pair<std::string, Shape>>& inputs,
                 const std::function<void(ir::Graph*)>& build) {
  ir::Graph g;
  g.set_name(op);
  for (const auto& [name, shape] : inputs) AddInput(&g, name, shape);
  build(&g);
  if (g.outputs_size() == 0) g.add_outputs("y");
  return g;
}

ir::Graph Unary(const std::string& op, const std::function<void(ir::Node*)>& attrs = nullptr) {
  return Sample(op, {{"x", {2, 16, 24, 24}}}, [&](ir::Graph* g) {
    ir::Node* n = AddNode(g, op, {"x"}, "y");
    if (attrs) attrs(n);
  });
}

std::map<std::string, ir::Graph> BuildSamples() {
  std::map<std::string, ir::Graph> s;
  // The array ops.
  s["conv2d"] = Sample("conv2d", {{"x", {1, 8, 20, 20}}}, [](ir::Graph* g) {
    Constant(g, "w", {24, 8, 3, 3}, 1);
    Constant(g, "b", {24}, 2);
    ir::Node* n = AddNode(g, "conv2d", {"x", "w", "b"}, "y");
    Ints(n, "stride", {2, 2});
    Ints(n, "padding", {1, 0, 2, 1});
  });
  s["conv_transpose2d"] = Sample("conv_transpose2d", {{"x", {1, 8, 9, 9}}}, [](ir::Graph* g) {
    Constant(g, "w", {8, 6, 3, 3}, 3);
    Constant(g, "b", {6}, 4);
    ir::Node* n = AddNode(g, "conv_transpose2d", {"x", "w", "b"}, "y");
    Ints(n, "stride", {2, 2});
    Ints(n, "padding", {1, 1});
    Ints(n, "output_padding", {1, 1});
  });
  s["matmul"] = Sample("matmul", {{"a", {2, 40, 72}}, {"b", {72, 36}}},
                       [](ir::Graph* g) { AddNode(g, "matmul", {"a", "b"}, "y"); });
  s["linear"] = Sample("linear", {{"x", {24, 100}}}, [](ir::Graph* g) {
    Constant(g, "w", {40, 100}, 5);
    Constant(g, "b", {40}, 6);
    AddNode(g, "linear", {"x", "w", "b"}, "y");
  });
  // Normalization and windows.
  s["batch_norm"] = Sample("batch_norm", {{"x", {2, 12, 14, 14}}}, [](ir::Graph* g) {
    Constant(g, "w", {12}, 7);
    Constant(g, "b", {12}, 8);
    Constant(g, "mean", {12}, 9);
    Constant(g, "var", {12}, 10, 1.0f);  // positive
    Float(AddNode(g, "batch_norm", {"x", "w", "b", "mean", "var"}, "y"), "epsilon", 1e-3);
  });
  s["max_pool2d"] = Sample("max_pool2d", {{"x", {1, 16, 23, 23}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "max_pool2d", {"x"}, "y");
    Ints(n, "kernel", {3, 3});
    Ints(n, "stride", {2, 2});
    Ints(n, "padding", {1, 1});
    Int(n, "ceil_mode", 1);
  });
  s["avg_pool2d"] = Sample("avg_pool2d", {{"x", {1, 16, 23, 23}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "avg_pool2d", {"x"}, "y");
    Ints(n, "kernel", {3, 3});
    Ints(n, "stride", {2, 2});
    Ints(n, "padding", {1, 1});
    Int(n, "ceil_mode", 1);
    Int(n, "count_include_pad", 0);
  });
  for (const std::string op : {"adaptive_avg_pool2d", "adaptive_max_pool2d"}) {
    s[op] = Sample(op, {{"x", {1, 16, 21, 19}}}, [&](ir::Graph* g) { Ints(AddNode(g, op, {"x"}, "y"), "output_size", {5, 4}); });
  }
  s["upsample_nearest2d"] = Sample("upsample_nearest2d", {{"x", {1, 8, 12, 10}}}, [](ir::Graph* g) {
    Ints(AddNode(g, "upsample_nearest2d", {"x"}, "y"), "output_size", {24, 30});
  });
  s["upsample_bilinear2d"] = Sample("upsample_bilinear2d", {{"x", {1, 8, 12, 10}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "upsample_bilinear2d", {"x"}, "y");
    Ints(n, "output_size", {23, 17});
    Int(n, "align_corners", 1);
  });
  // Elementwise.
  for (const std::string op : {"relu", "sigmoid", "tanh", "silu", "hardswish", "hardsigmoid"}) s[op] = Unary(op);
  s["hardtanh"] = Unary("hardtanh", [](ir::Node* n) {
    Float(n, "min_val", 0.0);
    Float(n, "max_val", 6.0);
  });
  s["leaky_relu"] = Unary("leaky_relu", [](ir::Node* n) { Float(n, "negative_slope", 0.1); });
  s["gelu"] = Unary("gelu", [](ir::Node* n) { (*n->mutable_attributes())["approximate"].set_s("tanh"); });
  s["clamp"] = Unary("clamp", [](ir::Node* n) {
    Float(n, "min", -0.25);
    Float(n, "max", 0.5);
  });
  // Binary ops, each with another broadcast: a per-channel input, a scalar, equal shapes, a row.
  s["add"] = Sample("add", {{"x", {2, 16, 24, 24}}, {"c", {16, 1, 1}}},
                    [](ir::Graph* g) { AddNode(g, "add", {"x", "c"}, "y"); });
  s["sub"] = Sample("sub", {{"x", {2, 16, 24, 24}}}, [](ir::Graph* g) {
    Constant(g, "s", {}, 11);
    AddNode(g, "sub", {"x", "s"}, "y");
  });
  s["mul"] = Sample("mul", {{"x", {2, 16, 24, 24}}, {"z", {2, 16, 24, 24}}},
                    [](ir::Graph* g) { AddNode(g, "mul", {"x", "z"}, "y"); });
  s["div"] = Sample("div", {{"x", {2, 16, 24, 24}}}, [](ir::Graph* g) {
    Constant(g, "d", {24}, 12, 2.0f);  // away from zero
    AddNode(g, "div", {"x", "d"}, "y");
  });
  // Data layout.
  s["reshape"] = Sample("reshape", {{"x", {2, 3, 4, 5}}},
                        [](ir::Graph* g) { Ints(AddNode(g, "reshape", {"x"}, "y"), "shape", {6, -1}); });
  s["permute"] = Sample("permute", {{"x", {2, 12, 14, 15}}},
                        [](ir::Graph* g) { Ints(AddNode(g, "permute", {"x"}, "y"), "perm", {0, 2, 3, 1}); });
  s["concat"] = Sample("concat", {{"x0", {2, 12, 15, 17}}, {"x1", {2, 20, 15, 17}}},
                       [](ir::Graph* g) { Int(AddNode(g, "concat", {"x0", "x1"}, "y"), "axis", 1); });
  s["split"] = Sample("split", {{"x", {2, 27, 15, 17}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "split", {"x"}, "y0");
    n->add_outputs("y1");
    n->add_outputs("y2");
    Int(n, "axis", 1);
    Ints(n, "sizes", {6, 9, 12});
    for (const char* y : {"y0", "y1", "y2"}) g->add_outputs(y);
  });
  s["slice"] = Sample("slice", {{"x", {2, 12, 40, 17}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "slice", {"x"}, "y");
    Int(n, "axis", 2);
    Int(n, "start", 1);
    Int(n, "end", 38);
    Int(n, "step", 3);
  });
  s["pad"] = Sample("pad", {{"x", {2, 12, 19, 21}}}, [](ir::Graph* g) {
    ir::Node* n = AddNode(g, "pad", {"x"}, "y");
    Ints(n, "pads", {0, 0, 1, 2, 0, 0, 3, 1});
    Float(n, "value", 0.5);
  });
  // Reductions and softmax.
  struct Reduction {
    const char* op;
    std::vector<int64_t> axes;
    int keepdim;
  };
  for (const Reduction& r : {Reduction{"mean", {2, 3}, 1}, Reduction{"sum", {1}, 0}, Reduction{"amax", {-1}, 1}}) {
    s[r.op] = Sample(r.op, {{"x", {2, 12, 15, 17}}}, [&](ir::Graph* g) {
      ir::Node* n = AddNode(g, r.op, {"x"}, "y");
      Ints(n, "axes", r.axes);
      Int(n, "keepdim", r.keepdim);
    });
  }
  s["softmax"] = Sample("softmax", {{"x", {3, 40, 30}}}, [](ir::Graph* g) { Int(AddNode(g, "softmax", {"x"}, "y"), "axis", 1); });
  s["log_softmax"] = Sample("log_softmax", {{"x", {3, 40, 30}}},
                            [](ir::Graph* g) { Int(AddNode(g, "log_softmax", {"x"}, "y"), "axis", -1); });
  return s;
}

const std::map<std::string, ir::Graph>& Samples() {
  static const auto* samples = new std::map<std::string, ir::Graph>(BuildSamples());
  return *samples;
}

}  // namespace

const ir::Graph* OpSample(const std::string& op) {
  auto it = Samples().find(op);
  return it == Samples().end() ? nullptr : &it->second;
}

std::vector<std::string> SampledOps() {
  std::vector<std::string> ops;
  for (const auto& [op, g] : Samples()) ops.push_back(op);
  return ops;
}

ir::Graph Retyped(const ir::Graph& graph, ir::DataType to, ir::DataType from) {
  ir::Graph g = graph;
  for (ir::Tensor& t : *g.mutable_tensors()) {
    if (t.dtype() != from) continue;
    t.set_dtype(to);
    if (!t.raw_data().empty() || t.float_data_size() > 0) {
      int64_t n = 1;
      for (int64_t d : t.shape()) n *= d;
      t.clear_float_data();
      t.set_raw_data(std::string(BytesFor(to, n).value_or(0), '\0'));
    }
  }
  return g;
}

}  // namespace kpu::testing
