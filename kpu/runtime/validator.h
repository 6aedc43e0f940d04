// Checks that a Program is self-consistent before anything runs it: tensors, weights ranges,
// op types, shapes (re-inferred with the op registry), every tensor inside the declared DRAM arena,
// DFX regions, tile operand counts and shapes (against the registry), dependency references, and
// the steps a walk of the DFX takes (bounded before walking).
#ifndef KPU_RUNTIME_VALIDATOR_H_
#define KPU_RUNTIME_VALIDATOR_H_

#include "absl/status/status.h"
#include "kpu/ir/limits.h"
#include "kpu/ir/program.h"

namespace kpu::runtime {

absl::Status ValidateProgram(const Program& program);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_VALIDATOR_H_
