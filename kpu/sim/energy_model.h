// Energy from activity counts and the config's energy table.
#ifndef KPU_SIM_ENERGY_MODEL_H_
#define KPU_SIM_ENERGY_MODEL_H_

#include <array>
#include <cstdint>

#include "kpu/ir/config.pb.h"

namespace kpu::sim {

// Bytes read from and written to each memory level, indexed by ir::MemoryLevel.
struct Activity {
  uint64_t macs = 0;
  uint64_t vector_ops = 0;
  uint64_t exps = 0;
  std::array<uint64_t, 5> read_bytes{};
  std::array<uint64_t, 5> write_bytes{};
};

struct Energy {
  double compute_pj = 0;
  double memory_pj = 0;
  double static_pj = 0;
  double total_pj() const { return compute_pj + memory_pj + static_pj; }
};

Energy ComputeEnergy(const Activity& activity, uint64_t cycles, const ir::KPUConfig& config);

}  // namespace kpu::sim

#endif  // KPU_SIM_ENERGY_MODEL_H_
