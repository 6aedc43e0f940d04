// upsample_nearest2d and upsample_bilinear2d as tiles of channels x output rows x output columns on
// the vector unit. ATen's source index (floor(dst * in / out) in float for nearest; a float
// coordinate and its two neighbours for bilinear, clamped at the borders) is not affine in a tile
// index, so a tile with its own output_size would pick other sources. Instead each tile reads the
// input window covering every source its outputs read (window_bands.h), and its kernel computes the
// whole op's source indices at the tile's position (kernels/resize.cc): the same values as the
// whole op, for any scale, integer or not, with or without align_corners.
#include <algorithm>

#include "kpu/compiler/lowering.h"
#include "kpu/compiler/window_bands.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/resize.h"

namespace kpu::compiler {

absl::Status LowerUpsample2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedNchw(node, x));
  const bool nearest = node.op_type() == "upsample_nearest2d";
  const bool align = GetInt(node.attributes(), "align_corners", 0) != 0;
  auto sources = [&](int d) -> ReadsFn {
    const int64_t in = x[2 + d], out = y[2 + d];
    if (nearest) {
      return [in, out](int64_t o) {
        const int64_t s = ops::NearestSource(o, in, out);
        return std::make_pair(s, s);
      };
    }
    return [in, out, align](int64_t o) {
      const ops::LinearTap t = ops::BilinearSource(o, in, out, align);
      return std::make_pair(std::min(t.i0, t.i1), std::max(t.i0, t.i1));
    };
  };
  int64_t channels = 0;
  KPU_ASSIGN_OR_RETURN(const WindowPiece piece, ChooseBandPiece(node, ctx, sources(0), sources(1), op, &channels));
  EmitWindowPieces(node, ctx, op, ir::Compute::ELEMENTWISE, channels, {piece}, ir::TensorRegion::PAD_ZERO);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
