// Data-layout ops: reshape (a zero-copy alias: no DFX at all), permute, concat, split, slice and
// constant pad. Every copying op streams box tiles of its output (or of one part of it) through
// L1: the input region is the affine window of the input those output elements come from (a
// permuted box, a strided slice window, a window shifted by the padding whose outside reads as
// the pad value), and the tile kernel is the op's own kernel with attributes that make it a
// plain copy of the already selected window (a single-input concat, a single-output split, a
// zero pad, a unit slice) or, for permute, the permutation of the tile.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/lower_tiles.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/shape_ops.h"

namespace kpu::compiler {
namespace {

using Attrs = google::protobuf::Map<std::string, ir::Attribute>;

Attrs IntAttrs(const std::vector<std::pair<std::string, int64_t>>& values) {
  Attrs a;
  for (const auto& [k, v] : values) a[k].set_i(v);
  return a;
}

// A tile size along `axis` that divides `extent`, at most `limit`: concat parts must not let a
// ragged tile spill into the next part's elements of the shared output.
int64_t DividingTile(int64_t extent, int64_t limit) {
  for (int64_t t = std::min(extent, limit); t > 1; --t) {
    if (extent % t == 0) return t;
  }
  return 1;
}

std::vector<uint64_t> Ids(uint64_t id) { return id == 0 ? std::vector<uint64_t>{} : std::vector<uint64_t>{id}; }

}  // namespace

absl::Status LowerReshape(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  // The memory planner gives the output the input's DRAM bytes (row-major data is identical), and
  // a reshape of a constant is folded before lowering, so nothing moves and nothing computes.
  const TensorType& in = ctx.types.at(node.inputs(0));
  const TensorType& out = ctx.types.at(node.outputs(0));
  if (NumElements(in.shape) != NumElements(out.shape) || in.dtype != out.dtype) {
    return InvalidArgumentError(absl::StrCat("reshape '", node.name(), "': ", FormatShape(in.shape), " -> ",
                                             FormatShape(out.shape), " is not an alias"));
  }
  op->set_l1_bytes(0);
  op->set_staging_bytes(0);
  return absl::OkStatus();
}

absl::Status LowerPermute(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const int rank = static_cast<int>(y.size());
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ops::GetInts(node.attributes(), "perm", {}, rank));
  for (int64_t& p : perm) {
    KPU_ASSIGN_OR_RETURN(p, NormalizeAxis(p, rank));
  }
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(y, {}, DTypeSize(x.dtype), 2, 2, ctx.config, node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), y, tiling.tile, "t");
  // Output dim d is input dim perm[d]: the input tile is the same box, dims permuted back.
  RegionSpec in{node.inputs(0)};
  in.dims.resize(rank);
  for (int d = 0; d < rank; ++d) in.dims[perm[d]] = Dim(nest.origin[d], tiling.tile[d]);
  RegionSpec out = BoxRegion(node.outputs(0), nest.origin, tiling.tile);
  EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::ELEMENTWISE, "permute", node.attributes());
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

absl::Status LowerSlice(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_ASSIGN_OR_RETURN(ops::SliceRange r, ops::SliceRangeOf(node.attributes(), x.shape));
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(y, {}, DTypeSize(x.dtype), 2, 2, ctx.config, node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), y, tiling.tile, "t");
  RegionSpec in = BoxRegion(node.inputs(0), nest.origin, tiling.tile);
  // Along the axis, output element i is input element start + i * step.
  in.dims[r.axis] = Dim(ScaleShift(nest.origin[r.axis], r.step, r.start), tiling.tile[r.axis], r.step);
  RegionSpec out = BoxRegion(node.outputs(0), nest.origin, tiling.tile);
  const Attrs copy = IntAttrs({{"axis", r.axis}, {"start", 0}, {"end", tiling.tile[r.axis]}, {"step", 1}});
  EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::ELEMENTWISE, "slice", copy);
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

absl::Status LowerPad(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const size_t rank = y.size();
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ops::PadsOf(node.attributes(), rank));
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(y, {}, DTypeSize(x.dtype), 2, 2, ctx.config, node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), y, tiling.tile, "t");
  // The input window is the output box shifted back by the leading pads; what lies outside the
  // input reads as the pad value (the region's padding), so the tile kernel only copies.
  RegionSpec in = BoxRegion(node.inputs(0), nest.origin, tiling.tile);
  for (size_t d = 0; d < rank; ++d) in.dims[d] = Dim(ScaleShift(nest.origin[d], 1, -pads[d]), tiling.tile[d]);
  in.padding = ir::TensorRegion::PAD_VALUE;
  in.pad_value = GetFloat(node.attributes(), "value", 0.0);
  RegionSpec out = BoxRegion(node.outputs(0), nest.origin, tiling.tile);
  Attrs copy;
  for (size_t i = 0; i < 2 * rank; ++i) copy["pads"].mutable_ints()->add_values(0);
  copy["value"].set_f(in.pad_value);
  EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::ELEMENTWISE, "pad", copy);
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

absl::Status LowerConcat(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& y = ctx.types.at(node.outputs(0));
  const int64_t rank = static_cast<int64_t>(y.shape.size());
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", 0), rank));
  const Attrs copy = IntAttrs({{"axis", axis}});
  RowTiling largest;
  int64_t offset = 0;
  uint64_t last = 0;  // the previous stream's last store: the next stream starts after it
  // Each part's last input tile stays in L1 after its stream (nothing releases an input), so L1
  // holds one tile per part plus the output tile.
  const int buffers = node.inputs_size() + 1;
  for (int i = 0; i < node.inputs_size(); ++i) {
    const Shape& x = ctx.types.at(node.inputs(i)).shape;
    KPU_ASSIGN_OR_RETURN(RowTiling tiling,
                         ChooseRowTiling(x, {}, DTypeSize(y.dtype), buffers, 2, ctx.config, node.name()));
    tiling.tile[axis] = DividingTile(x[axis], tiling.tile[axis]);
    TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), x, tiling.tile, absl::StrCat("p", i, "t"));
    RegionSpec in = BoxRegion(node.inputs(i), nest.origin, tiling.tile);
    RegionSpec out = BoxRegion(node.outputs(0), nest.origin, tiling.tile);
    out.dims[axis] = Dim(ScaleShift(nest.origin[axis], 1, offset), tiling.tile[axis]);
    last = EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::ELEMENTWISE, "concat", copy, 0, Ids(last));
    if (tiling.l1_bytes >= largest.l1_bytes) largest = tiling;
    offset += x[axis];
  }
  FinishTiledOp(node, op, largest, ctx.builder);
  return absl::OkStatus();
}

absl::Status LowerSplit(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", 0), rank));
  const Attrs copy = IntAttrs({{"axis", axis}});
  RowTiling largest;
  int64_t offset = 0;
  uint64_t last = 0;  // the previous stream's last store: the next stream starts after it
  // One tile stream per output: a Compute writes one region, and a ragged last tile of an output
  // drops the elements beyond it (they belong to the next output and are written there).
  for (int j = 0; j < node.outputs_size(); ++j) {
    const Shape& y = ctx.types.at(node.outputs(j)).shape;
    KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(y, {}, DTypeSize(x.dtype), 2, 2, ctx.config, node.name()));
    TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), y, tiling.tile, absl::StrCat("p", j, "t"));
    RegionSpec in = BoxRegion(node.inputs(0), nest.origin, tiling.tile);
    in.dims[axis] = Dim(ScaleShift(nest.origin[axis], 1, offset), tiling.tile[axis]);
    RegionSpec out = BoxRegion(node.outputs(j), nest.origin, tiling.tile);
    last = EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::ELEMENTWISE, "split", copy, 0, Ids(last));
    if (tiling.l1_bytes >= largest.l1_bytes) largest = tiling;
    offset += y[axis];
  }
  FinishTiledOp(node, op, largest, ctx.builder);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
