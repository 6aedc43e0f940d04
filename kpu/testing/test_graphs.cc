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

}  // namespace kpu::testing
