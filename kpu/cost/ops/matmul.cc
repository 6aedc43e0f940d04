// Matmul tiles on the systolic array, in the fold model of kpu/cost/array.h.
//
// A tile streams its temporal extent through every fold it maps to; the fold overhead (fill and
// drain, and the stationary preload for WS/IS) is paid when the tile starts its folds. Under
// output stationary the accumulators stay in the array across the K tiles of one output tile,
// so only the tile that starts the accumulation (accumulate = false) pays it: over a whole output
// tile that is folds * (K + R + C - 2), SCALE-Sim's count. Under WS and IS the stationary operand
// changes with every tile, so every tile pays it.
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
  const ArrayMapping map = MapGemm(g, t.dataflow);
  KPU_ASSIGN_OR_RETURN(uint64_t folds, Folds(map, t.array));
  KPU_ASSIGN_OR_RETURN(folds, CheckedMul(folds, batch));
  const bool starts_folds = t.dataflow != Dataflow::kOutputStationary || !t.compute.accumulate();
  ComputeCost c;
  c.folds = starts_folds ? folds : 0;
  KPU_ASSIGN_OR_RETURN(uint64_t streaming, CheckedMul(folds, map.t));
  KPU_ASSIGN_OR_RETURN(uint64_t overhead, CheckedMul(c.folds, FoldOverheadCycles(t.dataflow, t.array)));
  KPU_ASSIGN_OR_RETURN(c.array_cycles, CheckedAdd(streaming, overhead));
  KPU_ASSIGN_OR_RETURN(uint64_t mn, CheckedMul(g.m, g.n));
  KPU_ASSIGN_OR_RETURN(uint64_t mnk, CheckedMul(mn, g.k));
  KPU_ASSIGN_OR_RETURN(c.macs, CheckedMul(mnk, batch));
  return c;
}

}  // namespace

void RegisterMatmulCosts(ComputeCostTable& t) {
  t["matmul"] = MatmulTileCost;
  // linear is rewritten to matmul before lowering; were it tiled, it would cost the same.
  t["linear"] = MatmulTileCost;
}

}  // namespace kpu::cost
