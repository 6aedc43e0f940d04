// Graph-to-graph passes, run in the order Compile() lists them. Each keeps the graph valid and
// inferred (every tensor typed), so any pass can be tested on its own.
#ifndef KPU_COMPILER_PASSES_H_
#define KPU_COMPILER_PASSES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::compiler {

// linear(x, W, b) -> matmul(x, W, b, transpose_b=1): one op for the backend to tile.
absl::Status CanonicalizeLinear(ir::Graph* graph);

// matmul(x, W) with a constant W and transpose_b=1: stores W transposed ([K, N]) so tiles of B
// are contiguous row panels, and clears transpose_b.
absl::Status PretransposeConstantWeights(ir::Graph* graph);

// matmul + add(bias) -> matmul with a bias input; then matmul + relu -> matmul with
// activation=relu. Records which nodes were fused into which in `fused_with` (by node name).
struct FusionRecord {
  std::string into;
  std::string fused;
};
absl::Status FuseMatmulEpilogues(ir::Graph* graph, std::vector<FusionRecord>* fused);

// The graph rewrites, one file each (rewrite.h has their shape). Compile() runs them in this
// order, after the two canonicalizations above and before FuseMatmulEpilogues:
// batch_norm with constant statistics after a conv2d or rank-2 matmul -> scaled weights and bias.
absl::Status FoldBatchNorm(ir::Graph* graph, std::vector<FusionRecord>* fused);
// add(conv2d, r) -> conv2d(x, w, bias, r), a zero bias added when the conv has none.
absl::Status FuseConvResidual(ir::Graph* graph, std::vector<FusionRecord>* fused);
// relu/relu6 (hardtanh 0..6)/silu/hardswish/sigmoid after a conv2d -> its activation attribute.
absl::Status FuseConvActivation(ir::Graph* graph, std::vector<FusionRecord>* fused);

// Removes nodes whose outputs reach no graph output, and tensors nothing uses.
absl::Status EliminateDeadCode(ir::Graph* graph);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_PASSES_H_
