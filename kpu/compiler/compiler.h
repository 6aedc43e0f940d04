// Graph + KPUConfig -> Program: passes, tiling, DFX emission, memory planning, weights.
#ifndef KPU_COMPILER_COMPILER_H_
#define KPU_COMPILER_COMPILER_H_

#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/program.h"

namespace kpu::compiler {

constexpr char kCompilerVersion[] = "0.1.0";

struct CompileOptions {
  // DATAFLOW_UNSPECIFIED (AUTO) lowers matmul and conv2d in all three dataflows and keeps the one
  // kpu/cost prices cheapest; a forced one is used for every array op.
  ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED;
  bool enable_fusion = true;
  // Keep activations on chip (L2/L3) between producer and consumer when they fit, instead of
  // writing them to DRAM and reading them back (residency_planner.h).
  bool enable_residency = true;
  std::string source_model;
};

// Constant data must be resolved to raw_data or float_data (see ResolveConstantData).
absl::StatusOr<Program> Compile(const ir::Graph& graph, const ir::KPUConfig& config,
                                const CompileOptions& options);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_COMPILER_H_
