// Cycles of the vector unit beside the array (elementwise ops, reductions, softmax).
#ifndef KPU_COST_VECTOR_H_
#define KPU_COST_VECTOR_H_

#include <cstdint>

namespace kpu::cost {

struct VectorWork {
  uint64_t ops = 0;   // adds, maxes, compares, multiplies
  uint64_t exps = 0;  // exponentials (and other transcendental steps)
};

// `ops_per_element` operations and `exps_per_element` exponentials for each of `elements`.
VectorWork ElementWork(uint64_t elements, uint64_t ops_per_element, uint64_t exps_per_element);

// One operation or exponential per lane per cycle.
uint64_t VectorCycles(const VectorWork& work, uint32_t lanes);

}  // namespace kpu::cost

#endif  // KPU_COST_VECTOR_H_
