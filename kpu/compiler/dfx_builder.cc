#include "kpu/compiler/dfx_builder.h"

#include <algorithm>

#include "kpu/compiler/tiling.h"

namespace kpu::compiler {

TileIndex Var(const std::string& name) { return TileIndex{name, 0}; }

TileIndex Const(int64_t value) { return TileIndex{"", value}; }

ir::AffineExpr Affine(int64_t constant, const std::vector<std::pair<std::string, int64_t>>& terms) {
  ir::AffineExpr e;
  e.set_constant(constant);
  for (const auto& [var, coeff] : terms) {
    if (coeff == 0 || var.empty()) continue;
    ir::AffineTerm* t = e.add_terms();
    t->set_var(var);
    t->set_coeff(coeff);
  }
  return e;
}

ir::RegionDim Dim(ir::AffineExpr origin, int64_t extent, int64_t stride, int64_t halo_lo, int64_t halo_hi) {
  ir::RegionDim d;
  *d.mutable_origin() = std::move(origin);
  d.set_extent(extent);
  d.set_stride(stride);
  d.set_halo_lo(halo_lo);
  d.set_halo_hi(halo_hi);
  return d;
}

ir::TensorRegion RegionSpec::At(ir::MemoryLevel level) const {
  ir::TensorRegion r;
  r.set_tensor(tensor);
  r.set_level(level);
  if (!dims.empty()) {
    for (const ir::RegionDim& d : dims) *r.add_dims() = d;
  } else {
    for (size_t d = 0; d < index.size(); ++d) {
      const int64_t t = tile[d];
      *r.add_dims() = Dim(Affine(index[d].constant * t, {{index[d].var, t}}), t);
    }
  }
  r.set_padding(padding);
  if (padding == ir::TensorRegion::PAD_VALUE) r.set_pad_value(pad_value);
  r.set_layout(level >= converted_at ? layout : ir::LAYOUT_ROW_MAJOR);
  r.set_dtype(dtype);
  r.set_partial(partial && level != ir::REGISTER);
  r.set_slot(slot);
  if (!slot_var.empty()) {
    r.set_slot_var(slot_var);
    r.set_slot_count(slot_count);
  }
  return r;
}

DfxBuilder::DfxBuilder(const ir::KPUConfig& config, uint64_t* next_op_id) : next_op_id_(next_op_id) {
  chain_.push_back(ir::EXTERNAL);
  for (ir::MemoryLevel l : OnChipLevels(config)) chain_.push_back(l);
  chain_.push_back(ir::REGISTER);
}

ir::MemoryLevel DfxBuilder::L1() const { return chain_[chain_.size() - 2]; }

ir::MemoryLevel DfxBuilder::StagingLevel() const {
  return chain_.size() >= 4 ? chain_[chain_.size() - 3] : ir::EXTERNAL;
}

ir::DfxOp* DfxBuilder::NewOp(DfxList* into, std::vector<uint64_t> after) {
  ir::DfxOp* op = into->Add();
  op->set_op_id((*next_op_id_)++);
  // 0 is no op: a Move that had nothing to carry (see Move) returns it.
  for (uint64_t a : after) {
    if (a != 0) op->add_depends_on(a);
  }
  return op;
}

namespace {

// The mover class of a hop (seed 001's Appendix B): DMA engines touch DRAM, Streamers feed the
// array from L1, BlockMovers carry between the levels in between.
const char* EngineFor(ir::MemoryLevel a, ir::MemoryLevel b) {
  if (a == ir::EXTERNAL || b == ir::EXTERNAL) return "DMA";
  if (a == ir::L1 || b == ir::L1 || a == ir::REGISTER || b == ir::REGISTER) return "STREAMER";
  return "BLOCK_MOVER";
}

}  // namespace

ir::MemoryLevel DfxBuilder::HomeOf(const std::string& tensor) const {
  auto it = homes_.find(tensor);
  return it == homes_.end() ? ir::EXTERNAL : it->second;
}

uint64_t DfxBuilder::Move(DfxList* into, const RegionSpec& region, ir::MemoryLevel from, ir::MemoryLevel to,
                          std::vector<uint64_t> after, const RegionSpec* source, bool flush) {
  auto pos = [&](ir::MemoryLevel l) {
    return static_cast<int>(std::find(chain_.begin(), chain_.end(), l) - chain_.begin());
  };
  const ir::MemoryLevel home = HomeOf(region.tensor);
  // The home buffer holds the whole tensor: a tile there is addressed by tensor coordinates alone.
  RegionSpec at_home = region;
  at_home.slot = 0;
  at_home.slot_var.clear();
  at_home.slot_count = 0;
  at_home.partial = false;
  at_home.layout = ir::LAYOUT_ROW_MAJOR;  // by tensor coordinates, in the tensor's own order
  if (home != ir::EXTERNAL) {
    const int h = pos(home);
    if (pos(to) > pos(from) && pos(from) <= h) {
      if (pos(to) <= h) return after.empty() ? 0 : after.back();
      from = home;
      source = nullptr;
    } else if (pos(to) < pos(from) && pos(to) <= h) {
      to = home;
    }
  }
  int i = pos(from);
  const int end = pos(to);
  const int step = end > i ? 1 : -1;
  uint64_t last = after.empty() ? 0 : after.back();
  auto spec_at = [&](const RegionSpec& r, ir::MemoryLevel l) { return l == home ? at_home.At(l) : r.At(l); };
  while (i != end) {
    ir::MemoryLevel src = chain_[i], dst = chain_[i + step];
    ir::DfxOp* op = NewOp(into, after);
    ir::DataMove* move = op->mutable_data_move();
    move->set_type(step > 0 ? ir::DataMove::LOAD : (flush && src == from ? ir::DataMove::FLUSH : ir::DataMove::STORE));
    *move->mutable_source() = spec_at(source != nullptr && src == from ? *source : region, src);
    *move->mutable_destination() = spec_at(region, dst);
    move->set_engine(EngineFor(src, dst));
    last = op->op_id();
    after = {last};
    i += step;
  }
  return last;
}

uint64_t DfxBuilder::Compute(DfxList* into, ir::Compute::Type type, const std::string& function,
                             const std::vector<ir::TensorRegion>& inputs, const ir::TensorRegion& output,
                             bool accumulate, int64_t axis, std::vector<uint64_t> after,
                             const google::protobuf::Map<std::string, ir::Attribute>* attributes,
                             ir::Dataflow dataflow) {
  ir::DfxOp* op = NewOp(into, std::move(after));
  ir::Compute* c = op->mutable_compute();
  if (attributes != nullptr) *c->mutable_attributes() = *attributes;
  c->set_dataflow(dataflow);
  c->set_type(type);
  c->set_function(function);
  for (const auto& in : inputs) *c->add_inputs() = in;
  *c->mutable_output() = output;
  c->set_accumulate(accumulate);
  c->set_axis(axis);
  return op->op_id();
}

DfxList* DfxBuilder::Loop(DfxList* into, const std::string& var, int64_t trips) {
  ir::DfxOp* op = NewOp(into, {});
  ir::TileLoop* loop = op->mutable_tile_loop();
  loop->set_induction_var(var);
  loop->set_start(0);
  loop->set_end(trips);
  loop->set_step(1);
  return loop->mutable_body();
}

uint64_t DfxBuilder::Barrier(DfxList* into, const std::string& label, std::vector<uint64_t> wait_for) {
  ir::DfxOp* op = NewOp(into, {});
  op->mutable_barrier()->set_label(label);
  for (uint64_t w : wait_for) {
    if (w != 0) op->mutable_barrier()->add_wait_for(w);
  }
  return op->op_id();
}

}  // namespace kpu::compiler
