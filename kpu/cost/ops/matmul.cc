// Matmul tiles on the systolic array: one GEMM per leading (batch) index of A.
#include "absl/strings/str_cat.h"
#include "kpu/cost/ops/ops.h"
#include "kpu/ir/errors.h"

namespace kpu::cost {
namespace {

absl::StatusOr<ComputeCost> MatmulTileCost(const ComputeTile& t) {
  if (t.inputs.size() < 2) {
    return InvalidProgramError(absl::StrCat("a '", t.compute.function(), "' compute needs two inputs, got ",
                                            t.inputs.size()));
  }
  // Padding rows and columns of a ragged tile neither stream through the array nor count as MACs.
  const Shape a = t.inputs[0].ValidIndices().Extent();
  const Shape b = t.inputs[1].ValidIndices().Extent();
  if (a.size() < 2 || b.size() < 2) {
    return InvalidProgramError(absl::StrCat("a '", t.compute.function(), "' compute needs rank >= 2 operands, got ",
                                            FormatShape(a), " and ", FormatShape(b)));
  }
  // A fold lying wholly in the padding of a ragged tile does no work.
  if (NumElements(a) == 0 || NumElements(b) == 0) return ComputeCost{};
  const Gemm g{a[a.size() - 2], b.back(), a.back()};
  // Leading (batch) dimensions of A: one GEMM each.
  uint64_t batch = 1;
  for (size_t d = 0; d + 2 < a.size(); ++d) {
    KPU_ASSIGN_OR_RETURN(batch, CheckedMul(batch, a[d]));
  }
  return ArrayTileCost(t, g, batch);
}

}  // namespace

void RegisterMatmulCosts(ComputeCostTable& t) {
  t["matmul"] = MatmulTileCost;
  // linear is rewritten to matmul before lowering; were it tiled, it would cost the same.
  t["linear"] = MatmulTileCost;
}

}  // namespace kpu::cost
