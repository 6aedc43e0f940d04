// Cost of one DFX Compute on the fabric, per registry op (decision 1: every op has one).
#ifndef KPU_SIM_COMPUTE_COST_H_
#define KPU_SIM_COMPUTE_COST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/dfx_walk.h"

namespace kpu::sim {

struct ComputeCost {
  uint64_t cycles = 0;
  uint64_t macs = 0;        // on the systolic array
  uint64_t vector_ops = 0;  // adds, maxes, compares on the vector unit
  uint64_t exps = 0;        // exponentials on the vector unit
};

using ComputeCostFn = std::function<ComputeCost(const std::vector<Place>& inputs, const Place& output,
                                                const ir::KPUConfig& config)>;

// Keyed by registry op name (Compute.function).
const std::map<std::string, ComputeCostFn>& ComputeCosts();

// Output-stationary array: ceil(M/R) * ceil(N/C) folds of K + R + C - 2 cycles each (the fold
// model SCALE-Sim uses, so the two can be compared).
uint64_t OutputStationaryCycles(int64_t m, int64_t n, int64_t k, const ir::KPUConfig& config);

}  // namespace kpu::sim

#endif  // KPU_SIM_COMPUTE_COST_H_
