// mean / sum / amax over axes on the vector unit. A reduction tiles its input with every reduced
// axis whole in the tile, so each REDUCTION Compute sees all the elements it reduces and writes
// final values (no partial results to combine).
#include "absl/strings/str_cat.h"
#include "kpu/compiler/lower_tiles.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/shape_ops.h"

namespace kpu::compiler {

absl::Status LowerReduce(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const size_t rank = x.shape.size();
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ops::ReduceAxesOf(node.attributes(), rank));
  const bool keepdim = GetInt(node.attributes(), "keepdim", 0) != 0;
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) reduced[a] = true;
  // The input tile and its (smaller) result tile; counting two input-sized buffers is the bound.
  KPU_ASSIGN_OR_RETURN(RowTiling tiling,
                       ChooseRowTiling(x.shape, reduced, DTypeSize(x.dtype), 2, 2, ctx.config, node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), x.shape, tiling.tile, "t");
  RegionSpec in = BoxRegion(node.inputs(0), nest.origin, tiling.tile);
  // The output keeps the kept dims' boxes; a reduced dim is one element (keepdim) or gone.
  RegionSpec out{node.outputs(0)};
  for (size_t d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      out.dims.push_back(Dim(nest.origin[d], tiling.tile[d]));
    } else if (keepdim) {
      out.dims.push_back(Dim(Affine(0), 1));
    }
  }
  if (out.dims.size() != y.size()) {
    return InvalidArgumentError(absl::StrCat(node.op_type(), " '", node.name(), "': output rank ", y.size(),
                                      " does not match the reduction of rank ", rank));
  }
  EmitCopyTile(ctx.builder, nest.body, {in}, out, ir::Compute::REDUCTION, node.op_type(), node.attributes(),
               axes.empty() ? 0 : axes.front());
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
