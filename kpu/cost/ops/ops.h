// One registration function per op family; each adds one row per op to the table.
#ifndef KPU_COST_OPS_OPS_H_
#define KPU_COST_OPS_OPS_H_

#include "kpu/cost/compute_cost.h"

namespace kpu::cost {

void RegisterMatmulCosts(ComputeCostTable& table);       // ops/matmul.cc
void RegisterElementwiseCosts(ComputeCostTable& table);  // ops/elementwise.cc
void RegisterSoftmaxCosts(ComputeCostTable& table);      // ops/softmax.cc

// A vector-unit op doing `ops_per_element` operations and `exps_per_element` exponentials for
// every output element: the shape most elementwise and reduction rows take.
ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element);

}  // namespace kpu::cost

#endif  // KPU_COST_OPS_OPS_H_
