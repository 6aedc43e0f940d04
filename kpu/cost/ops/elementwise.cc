// Elementwise ops on the vector unit: one row per op, operations per output element.
#include "kpu/cost/ops/ops.h"

namespace kpu::cost {

void RegisterElementwiseCosts(ComputeCostTable& t) {
  t["add"] = VectorCost(1, 0);
  t["relu"] = VectorCost(1, 0);
  t["sub"] = VectorCost(1, 0);
  t["mul"] = VectorCost(1, 0);
  t["div"] = VectorCost(1, 0);
  // 1 / (1 + exp(-x)): negate, add, divide, one exponential; silu multiplies once more.
  t["sigmoid"] = VectorCost(3, 1);
  t["silu"] = VectorCost(4, 1);
  // (e^2x - 1) / (e^2x + 1)
  t["tanh"] = VectorCost(4, 1);
  // add 3, clamp to [0, 6] (max, min), scale by 1/6; hardswish multiplies by x.
  t["hardsigmoid"] = VectorCost(4, 0);
  t["hardswish"] = VectorCost(5, 0);
  // a max and a min (clamp, hardtanh), or a compare, multiply and select (leaky_relu)
  t["hardtanh"] = VectorCost(2, 0);
  t["clamp"] = VectorCost(2, 0);
  t["leaky_relu"] = VectorCost(3, 0);
  // 0.5 x (1 + erf(x / sqrt 2)) or the tanh form: five arithmetic ops and one transcendental
  t["gelu"] = VectorCost(5, 1);
}

}  // namespace kpu::cost
