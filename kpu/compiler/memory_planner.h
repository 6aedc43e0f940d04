// Places every non-weight tensor (inputs, outputs, activations) in one DRAM arena, reusing space
// between tensors whose lifetimes do not overlap.
#ifndef KPU_COMPILER_MEMORY_PLANNER_H_
#define KPU_COMPILER_MEMORY_PLANNER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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

ArenaPlan PlanArena(const std::vector<BufferRequest>& requests);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_MEMORY_PLANNER_H_
