// Places every non-weight tensor (inputs, outputs, activations) in one DRAM arena, reusing space
// between tensors whose lifetimes do not overlap.
#ifndef KPU_COMPILER_MEMORY_PLANNER_H_
#define KPU_COMPILER_MEMORY_PLANNER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::compiler {

struct BufferRequest {
  std::string name;
  uint64_t bytes = 0;
  int first_use = 0;  // schedule step that writes it (-1: before the first op, i.e. an input)
  int last_use = 0;   // last schedule step that reads it (INT32_MAX: an output)
};

struct ArenaPlan {
  std::map<std::string, uint64_t> offsets;
  uint64_t arena_bytes = 0;
};

constexpr uint64_t kArenaAlignment = 64;

// `aliases` maps a tensor to the tensor whose bytes it shares (a reshape's output to its input;
// chains resolve to the first tensor). An alias gets no space of its own: it gets its root's
// offset, and the root stays live until the last use of any of its aliases. Requests may name
// aliases (their lifetimes are merged into the root's); every alias's root must be requested.
ArenaPlan PlanArena(const std::vector<BufferRequest>& requests,
                    const std::map<std::string, std::string>& aliases = {});

// The root of `name` through `aliases` (itself when it is no alias).
std::string AliasRoot(const std::map<std::string, std::string>& aliases, const std::string& name);

// reshape_alias.cc: a reshape of a constant becomes a constant holding the same bytes (the node
// goes); every remaining reshape's output aliases its input (output -> input).
absl::Status FoldConstantReshapes(ir::Graph* graph);
std::map<std::string, std::string> ReshapeAliases(const ir::Graph& graph);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_MEMORY_PLANNER_H_
