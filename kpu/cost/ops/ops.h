// One registration function per op family; each adds one row per op to the table.
#ifndef KPU_COST_OPS_OPS_H_
#define KPU_COST_OPS_OPS_H_

#include "kpu/cost/compute_cost.h"

namespace kpu::cost {

void RegisterMatmulCosts(ComputeCostTable& table);       // ops/matmul.cc
void RegisterElementwiseCosts(ComputeCostTable& table);  // ops/elementwise.cc
void RegisterSoftmaxCosts(ComputeCostTable& table);      // ops/softmax.cc
void RegisterConvCosts(ComputeCostTable& table);         // ops/conv2d.cc
void RegisterShapeCosts(ComputeCostTable& table);        // ops/shape.cc
void RegisterReduceCosts(ComputeCostTable& table);       // ops/reduce.cc
void RegisterPoolCosts(ComputeCostTable& table);           // ops/pool.cc
void RegisterResizeCosts(ComputeCostTable& table);         // ops/resize.cc
void RegisterConvTransposeCosts(ComputeCostTable& table);  // ops/conv_transpose.cc

// A vector-unit op doing `ops_per_element` operations and `exps_per_element` exponentials for
// every output element: the shape most elementwise and reduction rows take.
ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element);

// `count` GEMMs of `gemm` on the array, in the tile's dataflow. A tile streams its temporal
// extent through every fold it maps to; the fold overhead (fill and drain, and the stationary
// preload for WS/IS) is paid when the tile starts its folds. Under output stationary the
// accumulators stay in the array across the reduction tiles of one output tile, so only the tile
// that starts the accumulation (accumulate = false) pays it: over a whole output tile that is
// folds * (T + R + C - 2), SCALE-Sim's count. Under WS and IS the stationary operand changes with
// every tile, so every tile pays it. `sums_in_array` false: the tile's GEMM result is not the
// accumulated output (conv_transpose2d scatters it into the output tile in L1 after the array),
// so every tile starts its folds whatever its accumulate flag says.
absl::StatusOr<ComputeCost> ArrayTileCost(const ComputeTile& tile, const Gemm& gemm, uint64_t count,
                                          bool sums_in_array = true);

}  // namespace kpu::cost

#endif  // KPU_COST_OPS_OPS_H_
