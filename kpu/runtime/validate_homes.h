// Load-time checks of the activations a program keeps on chip (TensorDescriptor.home): a hostile
// file must not place a home outside its level, on a tensor that cannot have one, or ask a level
// to hold more at once (homes plus an op's tiles) than the target config gives it.
#ifndef KPU_RUNTIME_VALIDATE_HOMES_H_
#define KPU_RUNTIME_VALIDATE_HOMES_H_

#include "absl/status/status.h"
#include "kpu/ir/program.pb.h"

namespace kpu::runtime {

// Tensors' sizes must already be checked (ValidateProgram does so first).
absl::Status ValidateHomes(const ir::KPUProgram& program);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_VALIDATE_HOMES_H_
