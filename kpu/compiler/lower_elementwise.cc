// Elementwise ops (add with broadcasting, relu) and softmax: tiles of the output stream through
// L1 on the vector unit; every input tile is the matching box of the input, with broadcast
// dimensions pinned to their single element.
#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

// Emits loops over every dimension the tile splits, then loads the inputs, runs `type` and
// stores the output, all inside the innermost loop.
absl::Status EmitTiled(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, const RowTiling& tiling,
                       ir::Compute::Type type, int64_t axis) {
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
  // The node's attributes travel with each tile (hardtanh bounds, gelu's approximation, ...).
  uint64_t c = bld.Compute(body, type, node.op_type(), in_regions, out.At(bld.L1()), false, axis, loads,
                           &node.attributes());
  bld.Move(body, out, bld.L1(), ir::EXTERNAL, {c});
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});

  ir::TileConfig* tc = op->mutable_tiling();
  for (int d = 0; d < rank; ++d) {
    (*tc->mutable_tile_sizes())[absl::StrCat("d", d)] = tiling.tile[d];
    tc->add_loop_order(absl::StrCat("d", d));
  }
  op->set_l1_bytes(tiling.l1_bytes);
  op->set_staging_bytes(tiling.staging_bytes);
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerElementwise(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& out = ctx.types.at(node.outputs(0));
  const int buffers = node.inputs_size() + 1;
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(out.shape, {}, DTypeSize(out.dtype), buffers, buffers,
                                                         ctx.config, node.name()));
  return EmitTiled(node, ctx, op, tiling, ir::Compute::ELEMENTWISE, 0);
}

absl::Status LowerSoftmax(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& out = ctx.types.at(node.outputs(0));
  const int64_t rank = static_cast<int64_t>(out.shape.size());
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", -1), rank));
  // Softmax needs the whole axis in one tile; every other dimension may split.
  std::vector<bool> whole(rank, false);
  whole[axis] = true;
  KPU_ASSIGN_OR_RETURN(RowTiling tiling, ChooseRowTiling(out.shape, whole,
                                                         DTypeSize(out.dtype), 2, 2, ctx.config, node.name()));
  return EmitTiled(node, ctx, op, tiling, ir::Compute::SOFTMAX_TILE, axis);
}

}  // namespace kpu::compiler
