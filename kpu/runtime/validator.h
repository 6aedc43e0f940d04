// Checks that a Program is self-consistent before anything runs it: tensors, weights ranges,
// op types, shapes (re-inferred with the op registry), DFX regions and loop bounds.
#ifndef KPU_RUNTIME_VALIDATOR_H_
#define KPU_RUNTIME_VALIDATOR_H_

#include "absl/status/status.h"
#include "kpu/ir/program.h"

namespace kpu::runtime {

// The largest tensor a program may declare (bytes): larger is taken as a hostile file.
constexpr uint64_t kMaxTensorBytes = 8ull << 30;

absl::Status ValidateProgram(const Program& program);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_VALIDATOR_H_
