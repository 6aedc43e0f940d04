// Data-layout ops on the vector unit. reshape is an alias: it never reaches a Compute, and its
// row says so (nothing to do). The copying ops pass each output element through the vector unit
// once (a permuted, sliced, padded or concatenated tile is a copy of the window its input region
// already selected).
#include "kpu/cost/ops/ops.h"

namespace kpu::cost {

void RegisterShapeCosts(ComputeCostTable& t) {
  t["reshape"] = VectorCost(0, 0);
  t["permute"] = VectorCost(1, 0);
  t["concat"] = VectorCost(1, 0);
  t["split"] = VectorCost(1, 0);
  t["slice"] = VectorCost(1, 0);
  t["pad"] = VectorCost(1, 0);
}

}  // namespace kpu::cost
