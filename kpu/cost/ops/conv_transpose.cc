// conv_transpose2d tiles on the systolic array as the GEMM the kernel runs before its col2im
// scatter: per group, M = input pixels of the tile, K = C / groups input channels, N =
// (OC / groups) * KH * KW output taps. The tile's weights are [C, OC/groups, KH, KW]
// (ops_contract.md); its Compute says how many groups it holds. The scatter's adds run beside the
// array's drain and are not counted separately. A tile's input window may include padding rows
// (the band windows of lower_conv_transpose.cc): those hold nothing to multiply. Partial sums over
// input-channel tiles add up in the output tile in L1 after the scatter, so every tile starts its
// own folds.
#include "absl/strings/str_cat.h"
#include "kpu/cost/ops/ops.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::cost {
namespace {

absl::StatusOr<ComputeCost> ConvTransposeTileCost(const ComputeTile& t) {
  const std::string fn = t.compute.function();
  if (t.inputs.size() < 2) {
    return InvalidProgramError(absl::StrCat("op '", t.op.id(), "': a '", fn, "' compute needs an input and a weight tile"));
  }
  const Shape x = t.inputs[0].ValidIndices().Extent();
  const Shape w = t.inputs[1].Extent();
  if (x.size() != 4) return ComputeCost{};  // a tile wholly outside the input
  if (w.size() != 4) {
    return InvalidProgramError(absl::StrCat("op '", t.op.id(), "': a '", fn,
                                            "' compute's weight tile must be [C, OC/groups, KH, KW], got ", FormatShape(w)));
  }
  const int64_t groups = GetInt(t.compute.attributes(), "groups", GetInt(t.op.attributes(), "groups", 1));
  if (groups <= 0 || w[0] % groups != 0) {
    return InvalidProgramError(absl::StrCat("op '", t.op.id(), "': groups (", groups, ") must divide the ", w[0],
                                            " input channels of a '", fn, "' weight tile"));
  }
  const int64_t per_group = w[0] / groups;
  // Groups of a ragged last tile that lie past the input hold nothing to multiply.
  const int64_t valid_groups = CeilDiv(x[1], per_group);
  KPU_ASSIGN_OR_RETURN(uint64_t pixels, CheckedMul(x[0], x[2]));
  KPU_ASSIGN_OR_RETURN(pixels, CheckedMul(pixels, x[3]));
  KPU_ASSIGN_OR_RETURN(uint64_t taps, CheckedMul(w[1], w[2]));
  KPU_ASSIGN_OR_RETURN(taps, CheckedMul(taps, w[3]));
  return ArrayTileCost(t, Gemm{static_cast<int64_t>(pixels), static_cast<int64_t>(taps), per_group},
                       static_cast<uint64_t>(valid_groups), /*sums_in_array=*/false);
}

}  // namespace

void RegisterConvTransposeCosts(ComputeCostTable& t) { t["conv_transpose2d"] = ConvTransposeTileCost; }

}  // namespace kpu::cost
