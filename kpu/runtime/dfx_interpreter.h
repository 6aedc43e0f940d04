// Executes a DFX kernel itself: every DataMove copies the real elements of its tile between
// modelled memory levels (with each level's capacity enforced), every Compute runs the op's
// kernel on the tiles it names. Slow; its purpose is to prove that the compiler's tiling
// computes the same values as the whole-op kernels (ARCHITECTURE.md decision 2).
#ifndef KPU_RUNTIME_DFX_INTERPRETER_H_
#define KPU_RUNTIME_DFX_INTERPRETER_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/program.pb.h"

namespace kpu::runtime {

// The DRAM image of every tensor an op touches: whole row-major fp32 tensors.
struct DramTensor {
  Shape shape;
  float* data = nullptr;
};
using DramTensors = std::map<std::string, DramTensor>;

absl::Status InterpretKernel(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_DFX_INTERPRETER_H_
