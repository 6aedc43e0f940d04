// Checks that a Program is self-consistent before anything runs it: tensors, weights ranges,
// op types, shapes (re-inferred with the op registry), every tensor inside the declared DRAM arena,
// DFX regions, tile operand counts and shapes (against the registry), REGISTER tiles against the
// array, dependency references, and the steps a walk of the DFX takes (bounded before walking).
#ifndef KPU_RUNTIME_VALIDATOR_H_
#define KPU_RUNTIME_VALIDATOR_H_

#include "absl/status/status.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/limits.h"
#include "kpu/ir/program.h"

namespace kpu::runtime {

absl::Status ValidateProgram(const Program& program);

// Every REGISTER region holds at most the R x C accumulators of `config`'s array (decision 8).
// ValidateProgram checks this against the program's target config; the executor checks it again
// against the config it runs on when that one's array is smaller. Call on a validated program.
absl::Status CheckRegisterCapacity(const ir::KPUProgram& program, const ir::KPUConfig& config);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_VALIDATOR_H_
