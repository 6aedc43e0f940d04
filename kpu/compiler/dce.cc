#include <set>
#include <string>

#include "kpu/compiler/passes.h"

namespace kpu::compiler {

absl::Status EliminateDeadCode(ir::Graph* graph) {
  std::set<std::string> live(graph->outputs().begin(), graph->outputs().end());
  // Walk backwards: a node is live if any output is live; its inputs then become live.
  std::vector<bool> keep(graph->nodes_size(), false);
  bool changed = true;
  while (changed) {
    changed = false;
    for (int i = graph->nodes_size() - 1; i >= 0; --i) {
      if (keep[i]) continue;
      for (const std::string& out : graph->nodes(i).outputs()) {
        if (live.count(out)) {
          keep[i] = true;
          break;
        }
      }
      if (keep[i]) {
        for (const std::string& in : graph->nodes(i).inputs()) live.insert(in);
        changed = true;
      }
    }
  }
  for (int i = graph->nodes_size() - 1; i >= 0; --i) {
    if (!keep[i]) graph->mutable_nodes()->DeleteSubrange(i, 1);
  }
  live.insert(graph->inputs().begin(), graph->inputs().end());
  for (int i = graph->tensors_size() - 1; i >= 0; --i) {
    if (!live.count(graph->tensors(i).name())) graph->mutable_tensors()->DeleteSubrange(i, 1);
  }
  return absl::OkStatus();
}

}  // namespace kpu::compiler
