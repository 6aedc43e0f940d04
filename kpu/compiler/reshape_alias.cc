// Reshape never copies: row-major data is identical, so its output is another name for its
// input's bytes. Of a constant it is a constant (folded here, before lowering); otherwise the
// arena planner gives it the input's offset (ReshapeAliases).
#include <map>
#include <string>

#include "kpu/compiler/memory_planner.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {

absl::Status FoldConstantReshapes(ir::Graph* graph) {
  // Chains (reshape of a reshape of a weight) fold one link per round.
  bool changed = true;
  while (changed) {
    changed = false;
    std::map<std::string, ir::Tensor*> tensors = TensorsByName(graph);
    for (int i = graph->nodes_size() - 1; i >= 0; --i) {
      const ir::Node& n = graph->nodes(i);
      if (n.op_type() != "reshape" || n.inputs_size() != 1 || n.outputs_size() != 1) continue;
      auto in = tensors.find(n.inputs(0));
      auto out = tensors.find(n.outputs(0));
      if (in == tensors.end() || out == tensors.end() || !IsConstant(*in->second)) continue;
      // The same bytes under the output's (already inferred) shape.
      ir::Tensor* y = out->second;
      y->set_raw_data(in->second->raw_data());
      *y->mutable_float_data() = in->second->float_data();
      if (in->second->has_external_data()) *y->mutable_external_data() = in->second->external_data();
      graph->mutable_nodes()->DeleteSubrange(i, 1);
      changed = true;
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> ReshapeAliases(const ir::Graph& graph) {
  std::map<std::string, std::string> aliases;
  for (const ir::Node& n : graph.nodes()) {
    if (n.op_type() == "reshape" && n.inputs_size() == 1 && n.outputs_size() == 1) aliases[n.outputs(0)] = n.inputs(0);
  }
  return aliases;
}

}  // namespace kpu::compiler
