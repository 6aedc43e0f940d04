// The residency decision (issue 5, point 6): an activation passed from one op to a later one stays
// on chip, in a home buffer in L2 or L3, when it fits there beside the tiles every op of its
// lifetime stages in that level; otherwise it round-trips through DRAM. Each level's homes form an
// arena with lifetime reuse, like the DRAM arena. The lowerings then move the tensor from and to
// its home instead of DRAM (DfxBuilder::SetHomes).
#ifndef KPU_COMPILER_RESIDENCY_PLANNER_H_
#define KPU_COMPILER_RESIDENCY_PLANNER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/op_registry.h"
#include "kpu/ir/program.pb.h"

namespace kpu::compiler {

// An activation that may live on chip: written at schedule step first_use, last read at last_use.
struct ResidencyCandidate {
  std::string name;
  uint64_t bytes = 0;
  int first_use = 0;
  int last_use = 0;
};

// An on-chip level that may hold homes: its capacity and, per schedule step, the bytes the op at
// that step stages there (its tiles), which the homes live then must leave free.
struct HomeLevel {
  ir::MemoryLevel level = ir::EXTERNAL;
  uint64_t capacity = 0;
  std::vector<uint64_t> reserved;
};

struct Home {
  ir::MemoryLevel level = ir::EXTERNAL;
  uint64_t offset = 0;
};

// The most bytes the tile buffers of `op`'s DFX hold at once in any on-chip level other than L1
// (`l1`): one buffer per (level, tensor, slot), as large as the largest tile written to it. Tiles
// on their way between DRAM and L1 leave a buffer in every level they pass, which a tiling's own
// staging figure (its panels) may not count; a home must leave room for them.
uint64_t StagedTileBytes(const ir::KPUOp& op, const std::map<std::string, TensorType>& types, ir::MemoryLevel l1);

// Places the largest candidates first, each in the first level of `levels` (listed in order of
// preference, nearest the array first) where a first-fit offset leaves every step of its lifetime
// within capacity. Candidates that fit nowhere are absent from the result: they stay in DRAM.
std::map<std::string, Home> PlanResidency(const std::vector<ResidencyCandidate>& candidates,
                                          const std::vector<HomeLevel>& levels);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_RESIDENCY_PLANNER_H_
