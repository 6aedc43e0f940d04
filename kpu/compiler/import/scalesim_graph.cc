#include "kpu/compiler/import/scalesim_graph.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

constexpr uint64_t kMaxWeightElements = uint64_t{1} << 28;

void AddTensor(ir::Graph* g, const std::string& name, const std::vector<int64_t>& shape) {
  ir::Tensor* t = g->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  for (int64_t d : shape) t->add_shape(d);
}

// Deterministic weights: a linear congruential sequence, seeded per layer.
std::string Weights(uint64_t count, uint32_t seed) {
  std::vector<float> v(count);
  uint32_t s = seed * 2654435761u + 12345u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = 0.1f * (2.0f * static_cast<float>(s >> 8) / 16777216.0f - 1.0f);
  }
  std::string raw(count * sizeof(float), '\0');
  std::memcpy(raw.data(), v.data(), raw.size());
  return raw;
}

// A layer's tensor must have a size in bytes that fits in 63 bits, as any graph tensor must; the
// check here names the layer and its line.
absl::Status CheckTensorBytes(const ScaleSimLayer& layer, const char* what,
                              const std::vector<int64_t>& shape) {
  uint64_t bytes = sizeof(float);
  for (int64_t d : shape) {
    absl::StatusOr<uint64_t> next = cost::CheckedMul(bytes, static_cast<uint64_t>(d));
    if (!next.ok() || *next > static_cast<uint64_t>(INT64_MAX)) {
      return InvalidArgumentError(
          absl::StrCat("layer '", layer.name, "' (line ", layer.line, "): its ", what, " is larger than 2^63 bytes"));
    }
    bytes = *next;
  }
  return absl::OkStatus();
}

ir::Attribute Ints(std::vector<int64_t> values) {
  ir::Attribute a;
  for (int64_t v : values) a.mutable_ints()->add_values(v);
  return a;
}

}  // namespace

absl::StatusOr<ir::Graph> ScaleSimTopologyToGraph(const ScaleSimTopology& topo, const std::string& name) {
  ir::Graph g;
  g.set_name(name);
  uint64_t weight_elements = 0;
  uint32_t seed = 1;
  for (const ScaleSimLayer& layer : topo.layers) {
    const std::string in = layer.name + ".input", w = layer.name + ".weight", out = layer.name + ".output";
    // LayerGemm checks the layer makes sense (the filter fits, sizes multiply without overflow).
    KPU_ASSIGN_OR_RETURN(cost::GroupedGemm gemm, LayerGemm(topo, layer));
    std::vector<int64_t> in_shape, w_shape;
    ir::Node* n = g.add_nodes();
    n->set_name(layer.name);
    if (topo.form == ScaleSimTopology::Form::kGemm) {
      in_shape = {layer.m, layer.k};
      w_shape = {layer.k, layer.n};
      n->set_op_type("matmul");
    } else {
      in_shape = {1, layer.channels, layer.ifmap_h, layer.ifmap_w};
      w_shape = {layer.filters, layer.channels, layer.filter_h, layer.filter_w};
      n->set_op_type("conv2d");
      (*n->mutable_attributes())["stride"] = Ints({layer.stride, layer.stride});
      (*n->mutable_attributes())["padding"] = Ints({0, 0, 0, 0});
    }
    KPU_RETURN_IF_ERROR(CheckTensorBytes(layer, "input", in_shape));
    KPU_RETURN_IF_ERROR(CheckTensorBytes(layer, "output", {gemm.gemm.m, gemm.gemm.n}));
    // K x N of the GEMM is the weight's size in both forms.
    KPU_ASSIGN_OR_RETURN(uint64_t count, cost::CheckedMul(gemm.gemm.k, gemm.gemm.n));
    weight_elements += count;
    if (weight_elements > kMaxWeightElements) {
      return InvalidArgumentError(absl::StrCat("layer '", layer.name, "' (line ", layer.line,
                                               ") brings the weights past 2^28 elements"));
    }
    AddTensor(&g, in, in_shape);
    g.add_inputs(in);
    AddTensor(&g, w, w_shape);
    g.mutable_tensors(g.tensors_size() - 1)->set_raw_data(Weights(count, seed++));
    n->add_inputs(in);
    n->add_inputs(w);
    n->add_outputs(out);
    g.add_outputs(out);
  }
  return g;
}

absl::StatusOr<ir::Graph> ImportScaleSimTopology(const std::string& text, const std::string& source) {
  KPU_ASSIGN_OR_RETURN(ScaleSimTopology topo, ParseScaleSimTopology(text, source));
  std::string name = source;
  if (const size_t slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".csv") == 0) name.resize(name.size() - 4);
  absl::StatusOr<ir::Graph> graph = ScaleSimTopologyToGraph(topo, name);
  if (!graph.ok()) {
    return MakeError(KindOf(graph.status()), absl::StrCat("SCALE-Sim topology ", source, ": ", graph.status().message()));
  }
  return graph;
}

}  // namespace kpu::compiler
