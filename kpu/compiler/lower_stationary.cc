#include "kpu/compiler/lower_stationary.h"

namespace kpu::compiler {
namespace {

uint64_t Nest(DfxBuilder& bld, DfxList* into, const std::vector<FoldLoop>& loops, size_t i, FoldIndex index,
              bool first, const std::function<uint64_t(DfxList*, const FoldIndex&, bool)>& body) {
  if (i == loops.size()) return body(into, index, first);
  const FoldLoop& l = loops[i];
  if (l.trips <= 1) {
    index[l.var] = Const(0);
    return Nest(bld, into, loops, i + 1, index, first, body);
  }
  if (!first || !l.over_k) {
    index[l.var] = Var(l.var);
    return Nest(bld, bld.Loop(into, l.var, l.trips), loops, i + 1, index, first, body);
  }
  // K iteration 0 starts the sums; iterations 1.. add to them.
  index[l.var] = Const(0);
  Nest(bld, into, loops, i + 1, index, true, body);
  DfxList* rest = bld.Loop(into, l.var, l.trips);
  into->Mutable(into->size() - 1)->mutable_tile_loop()->set_start(1);
  index[l.var] = Var(l.var);
  return Nest(bld, rest, loops, i + 1, index, false, body);
}

}  // namespace

uint64_t EmitFoldNest(DfxBuilder& bld, DfxList* into, const std::vector<FoldLoop>& loops, bool first,
                      const std::function<uint64_t(DfxList*, const FoldIndex&, bool first)>& body) {
  return Nest(bld, into, loops, 0, {}, first, body);
}

RegionSpec Narrowed(RegionSpec s, int dim, const TileIndex& index, int64_t part, int64_t step) {
  if (step == 0) step = part;
  if (s.dims.empty()) {
    const ir::TensorRegion r = s.At(ir::EXTERNAL);
    s.dims.assign(r.dims().begin(), r.dims().end());
  }
  ir::RegionDim& d = s.dims[dim];
  d.set_extent(part);
  ir::AffineExpr* origin = d.mutable_origin();
  origin->set_constant(origin->constant() + index.constant * step);
  if (!index.var.empty()) {
    ir::AffineTerm* term = origin->add_terms();
    term->set_var(index.var);
    term->set_coeff(step);
  }
  return s;
}

uint64_t EmitStationaryFold(DfxBuilder& bld, DfxList* into, ir::Compute::Type type, const std::string& function,
                            const std::vector<RegionSpec>& inputs, size_t stationary, RegionSpec partial_sums,
                            bool first, std::vector<uint64_t> after, ir::Dataflow dataflow,
                            const google::protobuf::Map<std::string, ir::Attribute>* attributes) {
  const ir::MemoryLevel l1 = bld.L1();
  // The array holds one copy: the REGISTER side has no double-buffer slot.
  RegionSpec held = inputs[stationary];
  held.slot_var.clear();
  held.slot_count = 0;
  held.slot = 0;
  after.push_back(bld.Move(into, held, l1, ir::REGISTER, after, &inputs[stationary]));
  std::vector<ir::TensorRegion> regions;
  for (size_t i = 0; i < inputs.size(); ++i) regions.push_back(i == stationary ? held.At(ir::REGISTER) : inputs[i].At(l1));
  partial_sums.partial = true;
  return bld.Compute(into, type, function, regions, partial_sums.At(l1), !first, 0, after, attributes, dataflow);
}

}  // namespace kpu::compiler
