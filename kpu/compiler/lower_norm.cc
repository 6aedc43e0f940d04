// Standalone batch_norm (eval; one whose statistics could not be folded into a conv or matmul,
// fold_batch_norm.cc) on the vector unit: it tiles its input as elementwise ops do, and each tile
// brings the matching channel slice of the four parameter vectors.
#include "absl/strings/str_cat.h"
#include "kpu/compiler/lower_tiles.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"

namespace kpu::compiler {

absl::Status LowerBatchNorm(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& x = ctx.types.at(node.inputs(0));
  if (x.shape.size() < 2) {
    return InvalidArgumentError(absl::StrCat("batch_norm '", node.name(), "': input must have rank >= 2"));
  }
  // x, y and four parameter slices (bounded by two more tile-sized buffers).
  KPU_ASSIGN_OR_RETURN(RowTiling tiling,
                       ChooseRowTiling(x.shape, {}, DTypeSize(x.dtype), 4, 4, ctx.config, node.name()));
  TileNest nest = OpenTileLoops(ctx.builder, op->mutable_dfx(), x.shape, tiling.tile, "t");
  std::vector<RegionSpec> inputs = {BoxRegion(node.inputs(0), nest.origin, tiling.tile)};
  for (int i = 1; i < 5; ++i) {
    RegionSpec p{node.inputs(i)};
    p.dims.push_back(Dim(nest.origin[1], tiling.tile[1]));
    // A ragged channel tile reads past the vectors; a variance of 1 there keeps the padded lanes
    // finite (their results are dropped on the store).
    if (i == 4) {
      p.padding = ir::TensorRegion::PAD_VALUE;
      p.pad_value = 1.0;
    }
    inputs.push_back(p);
  }
  RegionSpec out = BoxRegion(node.outputs(0), nest.origin, tiling.tile);
  EmitCopyTile(ctx.builder, nest.body, inputs, out, ir::Compute::ELEMENTWISE, "batch_norm", node.attributes(), 1);
  FinishTiledOp(node, op, tiling, ctx.builder);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
