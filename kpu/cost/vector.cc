#include "kpu/cost/vector.h"

namespace kpu::cost {

VectorWork ElementWork(uint64_t elements, uint64_t ops_per_element, uint64_t exps_per_element) {
  return {elements * ops_per_element, elements * exps_per_element};
}

uint64_t VectorCycles(const VectorWork& work, uint32_t lanes) {
  const uint64_t n = work.ops + work.exps;
  const uint64_t l = lanes == 0 ? 1 : lanes;  // ValidateConfig rejects 0; stay defined anyway
  return n / l + (n % l != 0);
}

}  // namespace kpu::cost
