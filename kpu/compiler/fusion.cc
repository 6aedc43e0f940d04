#include <map>
#include <set>
#include <string>

#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {
namespace {

struct Uses {
  std::map<std::string, int> count;
  std::set<std::string> graph_outputs;
};

Uses CountUses(const ir::Graph& graph) {
  Uses u;
  for (const ir::Node& n : graph.nodes()) {
    for (const std::string& in : n.inputs()) u.count[in]++;
  }
  u.graph_outputs.insert(graph.outputs().begin(), graph.outputs().end());
  return u;
}

// The node reading `tensor` if it is its only reader and `tensor` is internal, else -1.
int SoleConsumer(const ir::Graph& graph, const Uses& uses, const std::string& tensor) {
  auto it = uses.count.find(tensor);
  if (it == uses.count.end() || it->second != 1 || uses.graph_outputs.count(tensor)) return -1;
  for (int i = 0; i < graph.nodes_size(); ++i) {
    for (const std::string& in : graph.nodes(i).inputs()) {
      if (in == tensor) return i;
    }
  }
  return -1;
}

// Redirects the fused node's output to the node it was fused into, and drops it.
void Absorb(ir::Graph* graph, int into, int fused) {
  graph->mutable_nodes(into)->set_outputs(0, graph->nodes(fused).outputs(0));
  graph->mutable_nodes()->DeleteSubrange(fused, 1);
}

}  // namespace

absl::Status FuseMatmulEpilogues(ir::Graph* graph, std::vector<FusionRecord>* fused) {
  auto tensors = TensorsByName(graph);
  bool changed = true;
  while (changed) {
    changed = false;
    Uses uses = CountUses(*graph);
    for (int i = 0; i < graph->nodes_size() && !changed; ++i) {
      const ir::Node& mm = graph->nodes(i);
      if (mm.op_type() != "matmul") continue;
      int c = SoleConsumer(*graph, uses, mm.outputs(0));
      if (c < 0) continue;
      const ir::Node& next = graph->nodes(c);
      const bool has_act = GetString(mm.attributes(), "activation", "none") != "none";
      if (next.op_type() == "add" && mm.inputs_size() == 2 && !has_act) {
        // add(mm, bias) or add(bias, mm), where bias is 1-D of length N: broadcasting over rows
        // is exactly the matmul's bias.
        const std::string& other = next.inputs(0) == mm.outputs(0) ? next.inputs(1) : next.inputs(0);
        const ir::Tensor* out = tensors[mm.outputs(0)];
        const ir::Tensor* bias = tensors[other];
        if (bias == nullptr || out == nullptr || bias->shape_size() != 1 ||
            bias->shape(0) != out->shape(out->shape_size() - 1) || next.inputs(0) == next.inputs(1)) {
          continue;
        }
        fused->push_back({mm.name(), next.name()});
        graph->mutable_nodes(i)->add_inputs(other);
        Absorb(graph, i, c);
        changed = true;
      } else if (next.op_type() == "relu" && !has_act) {
        fused->push_back({mm.name(), next.name()});
        (*graph->mutable_nodes(i)->mutable_attributes())["activation"] = StringAttr("relu");
        Absorb(graph, i, c);
        changed = true;
      }
    }
  }
  return EliminateDeadCode(graph);
}

}  // namespace kpu::compiler
