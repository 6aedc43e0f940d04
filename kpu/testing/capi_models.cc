#include "kpu/testing/capi_models.h"

#include <stdexcept>

namespace kpu::testing {
namespace {

std::vector<float> Values(size_t n, float scale, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (2.0f * static_cast<float>(s >> 8) / 16777216.0f - 1.0f);
  }
  return v;
}

// Helpers abort the test binary's setup loudly: a model that cannot be built is a broken test.
void Must(kpu_status s, const std::string& what) {
  if (s != KPU_OK) throw std::runtime_error(what + ": " + kpu_last_error());
}

size_t Elements(const std::vector<int64_t>& dims) {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

void Constant(kpu_graph* g, const std::string& name, const std::vector<int64_t>& dims, float scale, uint32_t seed) {
  const std::vector<float> v = Values(Elements(dims), scale, seed);
  Must(kpu_graph_add_constant(g, name.c_str(), KPU_DTYPE_FLOAT32, dims.size(), dims.data(), v.data(),
                              v.size() * sizeof(float)),
       "constant " + name);
}

void Node(kpu_graph* g, const char* op, const std::string& name, std::vector<std::string> inputs,
          const std::string& output, const std::vector<kpu_attr>& attrs = {}) {
  std::vector<const char*> in;
  for (const std::string& s : inputs) in.push_back(s.c_str());
  const char* out = output.c_str();
  Must(kpu_graph_add_node(g, op, name.c_str(), in.data(), in.size(), &out, 1, attrs.data(), attrs.size()),
       "node " + name);
}

kpu_attr Ints(const char* name, const std::vector<int64_t>& values) {
  kpu_attr a{};
  a.name = name;
  a.type = KPU_ATTR_INTS;
  a.ints = values.data();
  a.n_values = values.size();
  return a;
}

kpu_attr Str(const char* name, const char* value) {
  kpu_attr a{};
  a.name = name;
  a.type = KPU_ATTR_STRING;
  a.s = value;
  return a;
}

kpu_attr Int(const char* name, int64_t value) {
  kpu_attr a{};
  a.name = name;
  a.type = KPU_ATTR_INT;
  a.i = value;
  return a;
}

}  // namespace

CapiModel CapiMlp(int64_t batch, int64_t in, int64_t hidden, int64_t out, uint32_t seed) {
  CapiModel m;
  m.name = "mlp";
  m.input_dims = {batch, in};
  m.output = "probs";
  m.output_elements = static_cast<size_t>(batch * out);
  Must(kpu_graph_create("mlp", &m.graph), "graph");
  kpu_graph* g = m.graph;
  Must(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, m.input_dims.data()), "input");
  Constant(g, "fc1.weight", {hidden, in}, 0.1f, seed);
  Constant(g, "fc1.bias", {hidden}, 0.1f, seed + 1);
  Constant(g, "fc2.weight", {out, hidden}, 0.1f, seed + 2);
  Constant(g, "fc2.bias", {out}, 0.1f, seed + 3);
  Node(g, "linear", "fc1", {"x", "fc1.weight", "fc1.bias"}, "h");
  Node(g, "relu", "relu1", {"h"}, "r");
  Node(g, "linear", "fc2", {"r", "fc2.weight", "fc2.bias"}, "logits");
  Node(g, "softmax", "softmax", {"logits"}, "probs", {Int("axis", -1)});
  Must(kpu_graph_add_output(g, "probs"), "output");
  return m;
}

CapiModel CapiCnn(int64_t side, int64_t c1, int64_t c2, uint32_t seed) {
  CapiModel m;
  m.name = "cnn";
  m.input_dims = {1, 3, side, side};
  m.output = "probs";
  m.output_elements = 10;
  Must(kpu_graph_create("cnn", &m.graph), "graph");
  kpu_graph* g = m.graph;
  Must(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 4, m.input_dims.data()), "input");
  const std::vector<int64_t> pad = {1, 1, 1, 1}, window = {2, 2}, flat = {1, -1};
  Constant(g, "conv1.weight", {c1, 3, 3, 3}, 0.3f, seed);
  Constant(g, "conv1.bias", {c1}, 0.1f, seed + 1);
  Node(g, "conv2d", "conv1", {"x", "conv1.weight", "conv1.bias"}, "c1",
       {Ints("padding", pad), Str("activation", "relu")});
  Node(g, "max_pool2d", "pool", {"c1"}, "p1", {Ints("kernel", window)});
  Constant(g, "conv2.weight", {c2, c1, 3, 3}, 0.2f, seed + 2);
  Node(g, "conv2d", "conv2", {"p1", "conv2.weight"}, "c2", {Ints("padding", pad)});
  Node(g, "relu", "relu2", {"c2"}, "r2");
  Node(g, "reshape", "flatten", {"r2"}, "f", {Ints("shape", flat)});
  const int64_t features = c2 * (side / 2) * (side / 2);
  Constant(g, "fc.weight", {10, features}, 0.05f, seed + 3);
  Constant(g, "fc.bias", {10}, 0.05f, seed + 4);
  Node(g, "linear", "fc", {"f", "fc.weight", "fc.bias"}, "logits");
  Node(g, "softmax", "softmax", {"logits"}, "probs", {Int("axis", -1)});
  Must(kpu_graph_add_output(g, "probs"), "output");
  return m;
}

std::vector<float> CapiInput(const CapiModel& model, uint32_t seed) {
  return Values(Elements(model.input_dims), 1.0f, 1000003u * seed + 17);
}

}  // namespace kpu::testing
