#include "kpu/compiler/lower_tiles.h"

#include "absl/strings/str_cat.h"

namespace kpu::compiler {

TileNest OpenTileLoops(DfxBuilder& bld, DfxList* root, const Shape& shape, const Shape& tile,
                       const std::string& prefix) {
  TileNest nest{root, {}};
  for (size_t d = 0; d < shape.size(); ++d) {
    if (tile[d] < shape[d]) {
      const std::string var = absl::StrCat(prefix, d);
      nest.body = bld.Loop(nest.body, var, CeilDiv(shape[d], tile[d]));
      nest.origin.push_back(Affine(0, {{var, tile[d]}}));
    } else {
      nest.origin.push_back(Affine(0));
    }
  }
  return nest;
}

ir::AffineExpr ScaleShift(const ir::AffineExpr& e, int64_t scale, int64_t shift) {
  std::vector<std::pair<std::string, int64_t>> terms;
  for (const ir::AffineTerm& t : e.terms()) terms.push_back({t.var(), t.coeff() * scale});
  return Affine(e.constant() * scale + shift, terms);
}

RegionSpec BoxRegion(const std::string& tensor, const std::vector<ir::AffineExpr>& origin, const Shape& tile) {
  RegionSpec r{tensor};
  for (size_t d = 0; d < origin.size(); ++d) r.dims.push_back(Dim(origin[d], tile[d]));
  return r;
}

uint64_t EmitCopyTile(DfxBuilder& bld, DfxList* body, const std::vector<RegionSpec>& inputs, const RegionSpec& output,
                      ir::Compute::Type type, const std::string& function,
                      const google::protobuf::Map<std::string, ir::Attribute>& attributes, int64_t axis,
                      const std::vector<uint64_t>& after) {
  std::vector<uint64_t> loads;
  std::vector<ir::TensorRegion> in_regions;
  for (const RegionSpec& in : inputs) {
    loads.push_back(bld.Move(body, in, ir::EXTERNAL, bld.L1(), after));
    in_regions.push_back(in.At(bld.L1()));
  }
  const uint64_t c = bld.Compute(body, type, function, in_regions, output.At(bld.L1()), false, axis, loads, &attributes);
  // The store releases the output tile from L1 (FLUSH): ops with several tile streams (concat's
  // parts, split's outputs) would otherwise keep every stream's last output tile resident.
  return bld.Move(body, output, bld.L1(), ir::EXTERNAL, {c}, nullptr, /*flush=*/true);
}

void FinishTiledOp(const ir::Node& node, ir::KPUOp* op, const RowTiling& tiling, DfxBuilder& bld) {
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  ir::TileConfig* tc = op->mutable_tiling();
  for (size_t d = 0; d < tiling.tile.size(); ++d) {
    (*tc->mutable_tile_sizes())[absl::StrCat("d", d)] = tiling.tile[d];
    tc->add_loop_order(absl::StrCat("d", d));
  }
  op->set_l1_bytes(tiling.l1_bytes);
  op->set_staging_bytes(tiling.staging_bytes);
}

}  // namespace kpu::compiler
