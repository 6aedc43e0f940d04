#include "kpu/cost/link.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"

namespace kpu::cost {

ir::MemoryLevel LinkOf(ir::MemoryLevel a, ir::MemoryLevel b) { return std::min(a, b); }

absl::StatusOr<double> LinkBytesPerCycle(const ir::KPUConfig& config, ir::MemoryLevel level) {
  const ir::MemoryLevelConfig* cfg = FindLevel(config, level);
  if (cfg == nullptr) {
    return InvalidProgramError(absl::StrCat("data moves through ", LevelName(level), ", which the KPU config '",
                                            config.name(), "' does not have"));
  }
  return LevelBytesPerCycle(config, *cfg);
}

uint64_t LinkCycles(uint64_t bytes, double bytes_per_cycle) {
  if (bytes == 0) return 0;
  return static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / bytes_per_cycle));
}

std::vector<ir::MemoryLevel> PathLinks(const ir::KPUConfig& config, ir::MemoryLevel from, ir::MemoryLevel to) {
  const ir::MemoryLevel lo = std::min(from, to), hi = std::max(from, to);
  // The levels on the way: lo, every configured level strictly between, hi.
  std::vector<ir::MemoryLevel> stops = {lo};
  for (int l = lo + 1; l < hi; ++l) {
    if (FindLevel(config, static_cast<ir::MemoryLevel>(l)) != nullptr) stops.push_back(static_cast<ir::MemoryLevel>(l));
  }
  if (hi != lo) stops.push_back(hi);
  std::vector<ir::MemoryLevel> links;
  for (size_t i = 0; i + 1 < stops.size(); ++i) links.push_back(LinkOf(stops[i], stops[i + 1]));
  return links;
}

absl::StatusOr<uint64_t> PathCycles(const ir::KPUConfig& config, ir::MemoryLevel from, ir::MemoryLevel to,
                                    uint64_t bytes) {
  uint64_t cycles = 0;
  for (ir::MemoryLevel link : PathLinks(config, from, to)) {
    KPU_ASSIGN_OR_RETURN(double bpc, LinkBytesPerCycle(config, link));
    cycles += LinkCycles(bytes, bpc);
  }
  return cycles;
}

}  // namespace kpu::cost
