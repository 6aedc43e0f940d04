// Upsampling on the vector unit, per output element: nearest copies one element; bilinear blends
// four (two lerps along the row, one between them: three multiply-adds, as subtract, multiply, add).
#include "kpu/cost/ops/ops.h"

namespace kpu::cost {

void RegisterResizeCosts(ComputeCostTable& t) {
  t["upsample_nearest2d"] = VectorCost(1, 0);
  t["upsample_bilinear2d"] = VectorCost(9, 0);
}

}  // namespace kpu::cost
