#include "kpu/testing/test_graphs.h"

#include <cstring>

namespace kpu::testing {

std::vector<float> RandomValues(size_t n, float scale, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (2.0f * static_cast<float>(s >> 8) / 16777216.0f - 1.0f);
  }
  return v;
}

void AddInput(ir::Graph* g, const std::string& name, std::vector<int64_t> shape) {
  ir::Tensor* t = g->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  for (int64_t d : shape) t->add_shape(d);
  g->add_inputs(name);
}

void AddConstant(ir::Graph* g, const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values) {
  ir::Tensor* t = g->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  for (int64_t d : shape) t->add_shape(d);
  std::string raw(values.size() * sizeof(float), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());
  t->set_raw_data(std::move(raw));
}

ir::Node* AddNode(ir::Graph* g, const std::string& op, std::vector<std::string> inputs, const std::string& output) {
  ir::Node* n = g->add_nodes();
  n->set_name(output + "_" + op);
  n->set_op_type(op);
  for (const auto& in : inputs) n->add_inputs(in);
  n->add_outputs(output);
  return n;
}

ir::Graph MnistMlp(int64_t batch, uint32_t seed) {
  ir::Graph g;
  g.set_name("mnist_mlp");
  AddInput(&g, "x", {batch, 784});
  const int64_t dims[] = {784, 128, 64, 10};
  std::string prev = "x";
  for (int l = 0; l < 3; ++l) {
    const std::string w = "fc" + std::to_string(l + 1) + ".weight", b = "fc" + std::to_string(l + 1) + ".bias";
    AddConstant(&g, w, {dims[l + 1], dims[l]}, RandomValues(dims[l] * dims[l + 1], 0.08f, seed + 2 * l));
    AddConstant(&g, b, {dims[l + 1]}, RandomValues(dims[l + 1], 0.05f, seed + 2 * l + 1));
    const std::string h = "h" + std::to_string(l + 1);
    AddNode(&g, "linear", {prev, w, b}, h);
    prev = h;
    if (l < 2) {
      AddNode(&g, "relu", {h}, "a" + std::to_string(l + 1));
      prev = "a" + std::to_string(l + 1);
    }
  }
  ir::Node* sm = AddNode(&g, "softmax", {prev}, "probs");
  (*sm->mutable_attributes())["axis"].set_i(-1);
  g.add_outputs("probs");
  return g;
}

ir::KPUConfig WithL1Bytes(ir::KPUConfig config, uint64_t bytes) {
  for (ir::MemoryLevelConfig& m : *config.mutable_memory()) {
    if (m.level() == ir::L1) {
      m.set_instances(1);
      m.set_bytes_per_instance(bytes);
    }
  }
  return config;
}

namespace {

void SetIntsAttr(ir::Node* n, const std::string& key, std::vector<int64_t> v) {
  for (int64_t x : v) (*n->mutable_attributes())[key].mutable_ints()->add_values(x);
}

ir::Node* Conv(ir::Graph* g, const std::string& name, const std::string& x, const std::string& y,
               std::vector<int64_t> w, int64_t stride, int64_t groups, uint32_t seed) {
  AddConstant(g, name + ".w", w, RandomValues(w[0] * w[1] * w[2] * w[3], 0.3f, seed));
  AddConstant(g, name + ".b", {w[0]}, RandomValues(w[0], 0.2f, seed + 1));
  ir::Node* n = AddNode(g, "conv2d", {x, name + ".w", name + ".b"}, y);
  SetIntsAttr(n, "stride", {stride, stride});
  SetIntsAttr(n, "padding", {1, 1, 1, 1});
  (*n->mutable_attributes())["groups"].set_i(groups);
  return n;
}

}  // namespace

// conv-relu, a residual block, max pool, depthwise conv, global average pool and a linear head.
ir::Graph SmallCnn(int64_t batch) {
  ir::Graph g;
  g.set_name("small_cnn");
  AddInput(&g, "x", {batch, 3, 16, 16});
  Conv(&g, "c1", "x", "h1", {8, 3, 3, 3}, 1, 1, 51);
  AddNode(&g, "relu", {"h1"}, "r1");
  Conv(&g, "c2", "r1", "h2", {8, 8, 3, 3}, 1, 1, 53);
  AddNode(&g, "add", {"h2", "r1"}, "s2");
  AddNode(&g, "relu", {"s2"}, "r2");
  ir::Node* pool = AddNode(&g, "max_pool2d", {"r2"}, "p");
  SetIntsAttr(pool, "kernel", {2, 2});
  SetIntsAttr(pool, "stride", {2, 2});
  Conv(&g, "dw", "p", "d", {8, 1, 3, 3}, 2, 8, 55);
  Conv(&g, "c3", "d", "h3", {16, 8, 3, 3}, 1, 1, 57);
  SetIntsAttr(AddNode(&g, "adaptive_avg_pool2d", {"h3"}, "gap"), "output_size", {1, 1});
  SetIntsAttr(AddNode(&g, "reshape", {"gap"}, "flat"), "shape", {batch, 16});
  AddConstant(&g, "fc.w", {16, 10}, RandomValues(160, 0.3f, 59));
  AddConstant(&g, "fc.b", {10}, RandomValues(10, 0.2f, 60));
  AddNode(&g, "matmul", {"flat", "fc.w", "fc.b"}, "y");
  g.add_outputs("y");
  return g;
}

}  // namespace kpu::testing
