// Energy from activity counts and the config's energy table: per MAC by dtype, per byte read and
// written at each level, static power over the run's cycles.
#ifndef KPU_COST_ENERGY_H_
#define KPU_COST_ENERGY_H_

#include <array>
#include <cstdint>
#include <map>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::cost {

// Bytes read from and written to each memory level, indexed by ir::MemoryLevel.
struct Activity {
  std::map<ir::DataType, uint64_t> macs;  // by operand dtype
  uint64_t vector_ops = 0;
  uint64_t exps = 0;
  std::array<uint64_t, 5> read_bytes{};
  std::array<uint64_t, 5> write_bytes{};

  uint64_t TotalMacs() const;
  void Add(const Activity& other);
};

struct Energy {
  double compute_pj = 0;
  double memory_pj = 0;
  double static_pj = 0;
  double total_pj() const { return compute_pj + memory_pj + static_pj; }
  void Add(const Energy& other);
};

// Energy of one MAC on operands of `dtype`: the table's fp32/bf16/fp16/int8 entries; integer
// types narrower than 8 bits cost an int8 MAC, wider ones an fp32 MAC (no better figure yet).
double MacEnergyPj(const ir::EnergyTable& table, ir::DataType dtype);

double StaticEnergyPj(uint64_t cycles, const ir::KPUConfig& config);

Energy ComputeEnergy(const Activity& activity, uint64_t cycles, const ir::KPUConfig& config);

}  // namespace kpu::cost

#endif  // KPU_COST_ENERGY_H_
