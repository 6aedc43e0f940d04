// Elementwise ops (add with broadcasting, the activations): tiles of the output stream through
// L1 on the vector unit; every input tile is the matching box of the input, with broadcast
// dimensions pinned to their single element.
#include "absl/strings/str_cat.h"
#include "kpu/compiler/lower_tiles.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

// Emits loops over every dimension the tile splits, then loads the inputs (a broadcast dimension
// pinned to its one element), runs the op and stores the output, all inside the innermost loop.
absl::Status EmitTiled(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, const RowTiling& tiling) {
  const Shape& out_shape = ctx.types.at(node.outputs(0)).shape;
  const int rank = static_cast<int>(out_shape.size());
  DfxBuilder& bld = ctx.builder;
  DfxList* body = op->mutable_dfx();
  std::vector<TileIndex> index(rank);
  for (int d = 0; d < rank; ++d) {
    if (tiling.tile[d] < out_shape[d]) {
      std::string var = absl::StrCat("t", d);
      body = bld.Loop(body, var, CeilDiv(out_shape[d], tiling.tile[d]));
      index[d] = Var(var);
    } else {
      index[d] = Const(0);
    }
  }
  std::vector<uint64_t> loads;
  std::vector<ir::TensorRegion> in_regions;
  for (const std::string& in : node.inputs()) {
    const Shape& s = ctx.types.at(in).shape;
    const int off = rank - static_cast<int>(s.size());
    RegionSpec spec{in, {}, {}};
    for (size_t d = 0; d < s.size(); ++d) {
      const bool broadcast = s[d] == 1 && out_shape[d + off] != 1;
      spec.index.push_back(broadcast ? Const(0) : index[d + off]);
      spec.tile.push_back(broadcast ? 1 : tiling.tile[d + off]);
    }
    loads.push_back(bld.Move(body, spec, ir::EXTERNAL, bld.L1(), {}));
    in_regions.push_back(spec.At(bld.L1()));
  }
  RegionSpec out{node.outputs(0), index, tiling.tile};
  uint64_t c = bld.Compute(body, ir::Compute::ELEMENTWISE, node.op_type(), in_regions, out.At(bld.L1()), false, 0, loads,
                           &node.attributes());
  bld.Move(body, out, bld.L1(), ir::EXTERNAL, {c});
  FinishTiledOp(node, op, tiling, bld);
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerElementwise(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& out = ctx.types.at(node.outputs(0));
  const int buffers = node.inputs_size() + 1;
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(out.shape, {}, DTypeSize(out.dtype), buffers, buffers,
                                                         ctx.config, node.name()));
  return EmitTiled(node, ctx, op, tiling);
}

}  // namespace kpu::compiler
