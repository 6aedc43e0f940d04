// conv2d tiles on the systolic array, as the im2col GEMMs SCALE-Sim counts: per group
// M = output pixels of the tile, K = (C / groups) * KH * KW of the weight tile, N = the tile's
// filters of that group. Only shapes the contract fixes are read: the weight tile is
// [OC, C / groups, KH, KW] (ops_contract.md), the output tile may be in any layout (its pixels
// are its elements over its filters). Bias, residual and activation run as their own vector
// computes and are costed by their rows.
#include "absl/strings/str_cat.h"
#include "kpu/cost/ops/ops.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::cost {
namespace {

absl::StatusOr<ComputeCost> ConvTileCost(const ComputeTile& t) {
  const std::string fn = t.compute.function();
  if (t.inputs.size() < 2 || t.compute.inputs_size() < 2) {
    return InvalidProgramError(absl::StrCat("a '", fn, "' compute needs an input and a weight tile"));
  }
  const Shape w = t.inputs[1].ValidIndices().Extent();
  if (w.size() != 4) {
    return InvalidProgramError(absl::StrCat("a '", fn, "' compute's weight tile must be [OC, C/groups, KH, KW], got ",
                                            FormatShape(w)));
  }
  const int64_t filters = w[0];
  KPU_ASSIGN_OR_RETURN(uint64_t k, CheckedMul(w[1], w[2]));
  KPU_ASSIGN_OR_RETURN(k, CheckedMul(k, w[3]));
  // Padding pixels of a ragged output tile are not computed.
  const int64_t out = t.output.ValidElements();
  if (out == 0) return ComputeCost{};
  if (filters <= 0 || out <= 0 || out % filters != 0) {
    return InvalidProgramError(absl::StrCat("a '", fn, "' compute's output tile (", out,
                                            " elements) does not hold whole pixels of its ", filters, " filters"));
  }
  // Filters of one group come from the op's groups; a tile may hold several whole groups
  // (depthwise holds many: its Compute says how many) or part of one.
  const int64_t groups = GetInt(t.op.attributes(), "groups", 1);
  auto whole = t.shapes.find(t.compute.inputs(1).tensor());
  const int64_t all_filters = whole != t.shapes.end() && !whole->second.empty() ? whole->second[0] : filters;
  if (groups <= 0 || all_filters % groups != 0) {
    return InvalidProgramError(absl::StrCat("op '", t.op.id(), "': groups (", groups, ") must divide the ",
                                            all_filters, " filters"));
  }
  const int64_t per_group = all_filters / groups;
  const int64_t tile_groups = filters > per_group ? CeilDiv(filters, per_group) : 1;
  return ArrayTileCost(t, Gemm{out / filters, filters / tile_groups, static_cast<int64_t>(k)},
                       static_cast<uint64_t>(tile_groups));
}

}  // namespace

void RegisterConvCosts(ComputeCostTable& t) { t["conv2d"] = ConvTileCost; }

}  // namespace kpu::cost
