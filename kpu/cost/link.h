// Memory links: the path between a level and the one above it (towards the array). A link is
// named by its level nearer DRAM and runs at that level's bandwidth from the KPUConfig.
#ifndef KPU_COST_LINK_H_
#define KPU_COST_LINK_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/config.pb.h"

namespace kpu::cost {

// The link a move between `a` and `b` (either direction) crosses.
ir::MemoryLevel LinkOf(ir::MemoryLevel a, ir::MemoryLevel b);

// Bytes per cycle of the link named by `level`; an error names the level if the config lacks it.
absl::StatusOr<double> LinkBytesPerCycle(const ir::KPUConfig& config, ir::MemoryLevel level);

// Cycles to carry `bytes` over a link of `bytes_per_cycle` (rounded up).
uint64_t LinkCycles(uint64_t bytes, double bytes_per_cycle);

// The links a tile crosses moving hop by hop between `from` and `to` (either direction) through
// every level the config has in between, as the compiler's DFX moves it.
std::vector<ir::MemoryLevel> PathLinks(const ir::KPUConfig& config, ir::MemoryLevel from, ir::MemoryLevel to);

// Cycles to carry `bytes` over that path, one hop after the other (the first tiles in before
// the first MAC, the last tile out after the last).
absl::StatusOr<uint64_t> PathCycles(const ir::KPUConfig& config, ir::MemoryLevel from, ir::MemoryLevel to,
                                    uint64_t bytes);

}  // namespace kpu::cost

#endif  // KPU_COST_LINK_H_
