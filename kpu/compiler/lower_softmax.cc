// softmax and log_softmax on the vector unit: a tile holds its rows' whole softmax axis (the
// normalization of a row needs every element of it); every other dimension may split.
#include "kpu/compiler/lower_tiles.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {

absl::Status LowerSoftmax(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& out = ctx.types.at(node.outputs(0));
  const int64_t rank = static_cast<int64_t>(out.shape.size());
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", -1), rank));
  std::vector<bool> whole(rank, false);
  whole[axis] = true;
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(out.shape, whole, DTypeSize(out.dtype), 2, 2, ctx.config,
                                                         node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), out.shape, tiling.tile, "t");
  EmitCopyTile(ctx.builder, nest.body, {BoxRegion(node.inputs(0), nest.origin, tiling.tile)},
               BoxRegion(node.outputs(0), nest.origin, tiling.tile), ir::Compute::SOFTMAX_TILE, node.op_type(),
               node.attributes(), axis);
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
