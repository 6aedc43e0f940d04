// Elementwise ops on the vector unit: one row per op, operations per output element.
#include "kpu/cost/ops/ops.h"

namespace kpu::cost {

void RegisterElementwiseCosts(ComputeCostTable& t) {
  t["add"] = VectorCost(1, 0);
  t["relu"] = VectorCost(1, 0);
}

}  // namespace kpu::cost
