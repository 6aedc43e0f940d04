#include "kpu/compiler/dependencies.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace kpu::compiler {
namespace {

// One access to a buffer by a DFX op, numbered in the order the analysis visits it.
struct Access {
  ir::DfxOp* op = nullptr;
  const ir::TensorRegion* region = nullptr;
  uint64_t seq = 0;
};

struct BufferState {
  bool has_writer = false;
  Access writer;
  std::vector<Access> readers;  // since the last write
};

// Where each enclosing loop's two visits start: accesses numbered in [first, second) happened in
// the loop's previous iteration when seen from its second visit.
struct LoopVisit {
  std::string var;
  uint64_t first = 0;
  uint64_t second = 0;
  bool in_second = false;
};

class Analysis {
 public:
  void Visit(DfxList* ops) {
    for (ir::DfxOp& op : *ops) {
      switch (op.kind_case()) {
        case ir::DfxOp::kTileLoop: {
          // Two visits of the body: the first finds edges within one iteration and to ops before
          // the loop, the second the edges from one iteration to the next.
          loops_.push_back({op.tile_loop().induction_var(), seq_, 0, false});
          Visit(op.mutable_tile_loop()->mutable_body());
          loops_.back().second = seq_;
          loops_.back().in_second = true;
          Visit(op.mutable_tile_loop()->mutable_body());
          loops_.pop_back();
          break;
        }
        case ir::DfxOp::kDataMove:
          Read(&op, &op.data_move().source());
          Write(&op, &op.data_move().destination());
          break;
        case ir::DfxOp::kCompute: {
          const ir::Compute& c = op.compute();
          for (const ir::TensorRegion& in : c.inputs()) Read(&op, &in);
          if (c.accumulate()) Read(&op, &c.output());
          Write(&op, &c.output());
          break;
        }
        default:
          break;
      }
    }
  }

 private:
  using Key = std::tuple<ir::MemoryLevel, std::string>;

  static Key KeyOf(const ir::TensorRegion* r) { return {r->level(), r->tensor()}; }

  void Read(ir::DfxOp* op, const ir::TensorRegion* r) {
    BufferState& s = buffers_[KeyOf(r)];
    const Access self{op, r, seq_++};
    if (s.has_writer) Edge(self, s.writer);
    s.readers.push_back(self);
  }

  void Write(ir::DfxOp* op, const ir::TensorRegion* r) {
    BufferState& s = buffers_[KeyOf(r)];
    const Access self{op, r, seq_++};
    if (s.has_writer) Edge(self, s.writer);
    for (const Access& reader : s.readers) Edge(self, reader);
    s.has_writer = true;
    s.writer = self;
    s.readers.clear();
  }

  // `from` must wait for `to`.
  void Edge(const Access& from, const Access& to) {
    if (from.op == to.op && from.seq == to.seq) return;
    const ir::TensorRegion& a = *from.region;
    const ir::TensorRegion& b = *to.region;
    if (!a.slot_var().empty() && a.slot_var() == b.slot_var() && a.slot_count() == b.slot_count() &&
        a.slot() == b.slot()) {
      auto loop = std::find_if(loops_.begin(), loops_.end(), [&](const LoopVisit& l) { return l.var == a.slot_var(); });
      if (loop != loops_.end() && loop->in_second && to.seq >= loop->first && to.seq < loop->second) {
        // The previous iteration used the other slot; the same slot was last used slot_count back.
        for (const ir::CarriedDependency& c : from.op->carried()) {
          if (c.op_id() == to.op->op_id() && c.loop_var() == a.slot_var()) return;
        }
        ir::CarriedDependency* c = from.op->add_carried();
        c->set_op_id(to.op->op_id());
        c->set_loop_var(a.slot_var());
        c->set_distance(a.slot_count());
        return;
      }
    }
    const auto& deps = from.op->depends_on();
    if (std::find(deps.begin(), deps.end(), to.op->op_id()) == deps.end()) from.op->add_depends_on(to.op->op_id());
  }

  std::map<Key, BufferState> buffers_;
  std::vector<LoopVisit> loops_;
  uint64_t seq_ = 0;
};

}  // namespace

void DeriveDependencies(DfxList* ops) {
  Analysis analysis;
  analysis.Visit(ops);
}

}  // namespace kpu::compiler
