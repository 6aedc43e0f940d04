#include "kpu/compiler/dfx_builder.h"

#include <algorithm>

#include "kpu/compiler/tiling.h"

namespace kpu::compiler {

ir::TileIndex Var(const std::string& name) {
  ir::TileIndex t;
  t.set_var(name);
  return t;
}

ir::TileIndex Const(int64_t value) {
  ir::TileIndex t;
  t.set_constant(value);
  return t;
}

ir::TensorRegion RegionSpec::At(ir::MemoryLevel level) const {
  ir::TensorRegion r;
  r.set_tensor(tensor);
  r.set_level(level);
  for (const auto& i : index) *r.add_index() = i;
  for (int64_t t : tile) r.add_tile_shape(t);
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
  for (uint64_t a : after) op->add_depends_on(a);
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

uint64_t DfxBuilder::Move(DfxList* into, const RegionSpec& region, ir::MemoryLevel from,
                          ir::MemoryLevel to, std::vector<uint64_t> after, const RegionSpec* source) {
  auto pos = [&](ir::MemoryLevel l) {
    return static_cast<int>(std::find(chain_.begin(), chain_.end(), l) - chain_.begin());
  };
  int i = pos(from);
  const int end = pos(to);
  const int step = end > i ? 1 : -1;
  uint64_t last = after.empty() ? 0 : after.back();
  while (i != end) {
    ir::MemoryLevel src = chain_[i], dst = chain_[i + step];
    ir::DfxOp* op = NewOp(into, after);
    ir::DataMove* move = op->mutable_data_move();
    move->set_type(step > 0 ? ir::DataMove::LOAD : ir::DataMove::STORE);
    *move->mutable_source() = (source != nullptr && src == from ? *source : region).At(src);
    *move->mutable_destination() = region.At(dst);
    move->set_engine(EngineFor(src, dst));
    last = op->op_id();
    after = {last};
    i += step;
  }
  return last;
}

uint64_t DfxBuilder::Compute(DfxList* into, ir::Compute::Type type, const std::string& function,
                             const std::vector<ir::TensorRegion>& inputs, const ir::TensorRegion& output,
                             bool accumulate, int64_t axis, std::vector<uint64_t> after) {
  ir::DfxOp* op = NewOp(into, std::move(after));
  ir::Compute* c = op->mutable_compute();
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
  for (uint64_t w : wait_for) op->mutable_barrier()->add_wait_for(w);
  return op->op_id();
}

}  // namespace kpu::compiler
