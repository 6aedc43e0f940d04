// Executes a DFX kernel itself: every DataMove copies the real elements of its tile between
// modelled memory levels (with each level's capacity enforced, padding filled, layouts
// converted), every Compute runs the op's kernel on the tiles it names. Slow; its purpose is to
// prove that the compiler's tiling computes the same values as the whole-op kernels
// (ARCHITECTURE.md decision 2) and that the program's dependencies are complete (decision 9).
#ifndef KPU_RUNTIME_DFX_INTERPRETER_H_
#define KPU_RUNTIME_DFX_INTERPRETER_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/program.pb.h"
#include "kpu/ir/residency.h"

namespace kpu::runtime {

// The image of every tensor an op touches: whole row-major tensors of `dtype`, in DRAM or, for an
// activation the compiler keeps on chip, in its home buffer at level `home` (program.proto).
struct DramTensor {
  Shape shape;
  ir::DataType dtype = ir::FLOAT32;
  void* data = nullptr;
  ir::MemoryLevel home = ir::EXTERNAL;
};
using DramTensors = std::map<std::string, DramTensor>;

enum class InterpreterOrder {
  kProgram,         // program order, streaming
  kLatestReadyFirst,  // any op whose dependencies finished, newest first: as far from program
                      // order as the dependencies allow
};

// `home_bytes`: what the home buffers live during this op occupy per level (HomeBytesPerOp); it
// counts against each level's capacity beside the op's own tiles.
absl::Status InterpretKernel(const ir::KPUOp& op, const ir::KPUConfig& config, DramTensors& dram,
                             InterpreterOrder order = InterpreterOrder::kProgram, const LevelBytes& home_bytes = {});

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_DFX_INTERPRETER_H_
