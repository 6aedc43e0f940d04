#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {

absl::Status CanonicalizeLinear(ir::Graph* graph) {
  for (ir::Node& node : *graph->mutable_nodes()) {
    if (node.op_type() != "linear") continue;
    node.set_op_type("matmul");
    (*node.mutable_attributes())["transpose_b"] = IntAttr(1);
  }
  return absl::OkStatus();
}

}  // namespace kpu::compiler
