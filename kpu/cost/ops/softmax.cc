// Softmax on the vector unit.
#include "kpu/cost/ops/ops.h"

namespace kpu::cost {

void RegisterSoftmaxCosts(ComputeCostTable& t) {
  // Max, subtract, sum and divide per element, plus the exponential.
  t["softmax"] = VectorCost(4, 1);
  // softmax's max, subtract and sum, then subtract the log of the sum.
  t["log_softmax"] = VectorCost(4, 1);
}

}  // namespace kpu::cost
