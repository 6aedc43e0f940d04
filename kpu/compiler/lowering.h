// Lowering of graph ops to DFX kernels: one entry per registry op (decision 1), keyed by name.
#ifndef KPU_COMPILER_LOWERING_H_
#define KPU_COMPILER_LOWERING_H_

#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "kpu/compiler/dfx_builder.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/op_registry.h"
#include "kpu/ir/program.pb.h"

namespace kpu::compiler {

struct LoweringContext {
  const ir::KPUConfig& config;
  const std::map<std::string, TensorType>& types;
  DfxBuilder& builder;
  // The dataflow matmul and conv2d are lowered in (never DATAFLOW_UNSPECIFIED: the compiler lowers
  // each candidate and picks by the cost of the result).
  ir::Dataflow dataflow = ir::OUTPUT_STATIONARY;
};

// Fills op->dfx, op->tiling and the SRAM footprint from the node; the compiler then estimates the
// op from its DFX with kpu/cost.
using LowerFn = std::function<absl::Status(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op)>;

// Ops with a DFX lowering.
const std::map<std::string, LowerFn>& Lowerings();
// Ops the passes rewrite into others before lowering (linear -> matmul).
const std::set<std::string>& Decompositions();

// lower_conv2d.cc
absl::Status LowerConv2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_matmul.cc
absl::Status LowerMatmul(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_elementwise.cc
absl::Status LowerElementwise(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_softmax.cc
absl::Status LowerSoftmax(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_shape.cc
absl::Status LowerReshape(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerPermute(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerConcat(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerSplit(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerSlice(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerPad(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_reduce.cc
absl::Status LowerReduce(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_norm.cc
absl::Status LowerBatchNorm(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_pool.cc
absl::Status LowerPool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
absl::Status LowerAdaptivePool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_resize.cc
absl::Status LowerUpsample2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);
// lower_conv_transpose.cc
absl::Status LowerConvTranspose2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_LOWERING_H_
