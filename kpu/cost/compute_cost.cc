#include "kpu/cost/compute_cost.h"

#include "kpu/cost/ops/ops.h"
#include "kpu/cost/vector.h"

namespace kpu::cost {

ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element) {
  return [=](const ComputeTile& t) -> absl::StatusOr<ComputeCost> {
    const VectorWork w = ElementWork(static_cast<uint64_t>(t.output.ValidElements()), ops_per_element, exps_per_element);
    ComputeCost c;
    c.vector_ops = w.ops;
    c.exps = w.exps;
    c.vector_cycles = VectorCycles(w, t.vector_lanes);
    return c;
  };
}

const ComputeCostTable& ComputeCosts() {
  static const ComputeCostTable* table = [] {
    auto* t = new ComputeCostTable;
    RegisterMatmulCosts(*t);
    RegisterElementwiseCosts(*t);
    RegisterSoftmaxCosts(*t);
    return t;
  }();
  return *table;
}

}  // namespace kpu::cost
