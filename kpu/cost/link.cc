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

}  // namespace kpu::cost
