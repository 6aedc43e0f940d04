#include "kpu/cost/op_cost.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/cost/compute_cost.h"
#include "kpu/cost/dataflow.h"
#include "kpu/cost/link.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"

namespace kpu::cost {
namespace {

class Counter : public DfxVisitor {
 public:
  Counter(const ir::KPUConfig& config, const ProgramTensors& tensors, const CostSettings& settings,
          const ir::KPUOp& op, OpCost* cost)
      : config_(config), tensors_(tensors), settings_(settings), op_(op), cost_(*cost) {}

  absl::Status OnDataMove(const ir::DfxOp&, const ir::DataMove& move, const Place& src, const Place&) override {
    const ir::MemoryLevel from = move.source().level(), to = move.destination().level();
    for (ir::MemoryLevel l : {from, to}) {
      if (l != ir::REGISTER && FindLevel(config_, l) == nullptr) {
        return InvalidProgramError(absl::StrCat("a DataMove uses ", LevelName(l), ", which the KPU config '",
                                                config_.name(), "' does not have"));
      }
    }
    // A layout conversion is free here: a move between two layouts (an NCHW window into NHWC L1)
    // costs what the same move without it costs. The model assumes the mover's address generators
    // walk the source in one order and write the destination in another at the link's rate; the
    // bytes are the same, so there is no separate term (the one place to add it if that changes).
    KPU_ASSIGN_OR_RETURN(uint64_t bytes, MovedBytes(move.source().tensor(), src.ValidElements()));
    cost_.activity.read_bytes[from] += bytes;
    cost_.activity.write_bytes[to] += bytes;
    const ir::MemoryLevel link = LinkOf(from, to);
    cost_.link_bytes[link] += bytes;
    KPU_ASSIGN_OR_RETURN(double bpc, LinkBytesPerCycle(config_, link));
    since_last_compute_ += LinkCycles(bytes, bpc);
    if (to == ir::L1 && from < to) ++cost_.l1_fills;
    if (to == ir::L2 && from < to) ++cost_.l2_fills;
    if (from == ir::L2 && to > from) ++cost_.l2_serves;
    return absl::OkStatus();
  }

  absl::Status OnCompute(const ir::DfxOp&, const ir::Compute& compute, const std::vector<Place>& inputs,
                         const Place& output) override {
    auto it = ComputeCosts().find(compute.function());
    if (it == ComputeCosts().end()) {
      return InvalidProgramError(absl::StrCat("no cost model for compute function '", compute.function(), "'"));
    }
    const ir::DataType dtype =
        compute.inputs_size() > 0 && tensors_.dtypes.count(compute.inputs(0).tensor())
            ? tensors_.dtypes.at(compute.inputs(0).tensor())
            : ir::FLOAT32;
    const ComputeTile tile{compute,
                           op_,
                           tensors_.shapes,
                           inputs,
                           output,
                           dtype,
                           DataflowOf(op_, compute),
                           {config_.compute().array_rows(), config_.compute().array_cols()},
                           config_.compute().vector_lanes()};
    absl::StatusOr<ComputeCost> c = it->second(tile);
    if (!c.ok()) return c.status();
    cost_.array_cycles += c->array_cycles;
    cost_.vector_cycles += c->vector_cycles;
    cost_.folds += c->folds;
    // Each accumulation the array starts (an output tile, or one fold of a larger one) is work a
    // compute tile can take on its own; a tile wholly in padding is none.
    if (c->array_cycles > 0 && !compute.accumulate()) ++cost_.output_tiles;
    if (c->macs) cost_.activity.macs[dtype] += c->macs;
    cost_.macs += c->macs;
    cost_.activity.vector_ops += c->vector_ops;
    cost_.activity.exps += c->exps;
    for (const auto& in : compute.inputs()) {
      if (in.level() == ir::L1) ++cost_.l1_operand_reads;
    }
    if (!seen_compute_) cost_.prologue_cycles = since_last_compute_;
    seen_compute_ = true;
    since_last_compute_ = 0;
    return absl::OkStatus();
  }

  // Moves after the last Compute: the epilogue. An op without compute is all data movement, and
  // its link time alone says how long it takes.
  uint64_t TrailingMoveCycles() const { return seen_compute_ ? since_last_compute_ : 0; }

 private:
  // What `elements` of `tensor` occupy: packed types (int4) in whole bytes, as BytesFor counts them.
  absl::StatusOr<uint64_t> MovedBytes(const std::string& tensor, int64_t elements) const {
    if (settings_.element_bytes) return CheckedMul(static_cast<uint64_t>(elements), settings_.element_bytes);
    auto it = tensors_.dtypes.find(tensor);
    if (it == tensors_.dtypes.end()) {
      return InvalidProgramError(absl::StrCat("a DataMove names tensor '", tensor, "', which the program does not declare"));
    }
    return BytesFor(it->second, elements);
  }

  const ir::KPUConfig& config_;
  const ProgramTensors& tensors_;
  const CostSettings& settings_;
  const ir::KPUOp& op_;
  OpCost& cost_;
  bool seen_compute_ = false;
  uint64_t since_last_compute_ = 0;
};

}  // namespace

ProgramTensors TensorsOf(const ir::TensorTable& table) {
  ProgramTensors t;
  for (const auto& d : table.tensors()) {
    t.shapes[d.name()] = Shape(d.shape().begin(), d.shape().end());
    t.dtypes[d.name()] = d.dtype();
  }
  return t;
}

Dataflow DataflowOf(const ir::KPUOp& op) { return FromIr(op.tiling().dataflow()); }

Dataflow DataflowOf(const ir::KPUOp& op, const ir::Compute& compute) {
  return compute.dataflow() != ir::DATAFLOW_UNSPECIFIED ? FromIr(compute.dataflow()) : DataflowOf(op);
}

uint64_t OverlappedCycles(uint64_t compute, uint64_t prologue, uint64_t epilogue, uint64_t busiest_link) {
  return std::max(busiest_link, prologue + compute + epilogue);
}

absl::StatusOr<OpCost> EstimateOp(const ir::KPUOp& op, const ProgramTensors& tensors, const ir::KPUConfig& config,
                                  const CostSettings& settings) {
  OpCost cost;
  Counter counter(config, tensors, settings, op, &cost);
  absl::Status walked = WalkDfx(op.dfx(), tensors.shapes, counter);
  if (!walked.ok()) return MakeError(KindOf(walked), absl::StrCat("op '", op.id(), "': ", walked.message()));
  cost.epilogue_cycles = counter.TrailingMoveCycles();
  if (settings.count_from_zero && cost.array_cycles > 0) --cost.array_cycles;
  // Independent output tiles spread over the compute tiles.
  const uint64_t tiles = settings.one_array ? 1 : config.compute().compute_tiles();
  const uint64_t parallel = std::max<uint64_t>(1, std::min<uint64_t>(tiles, cost.output_tiles));
  cost.compute_cycles = (cost.array_cycles + parallel - 1) / parallel + cost.vector_cycles;
  uint64_t busiest = 0;
  for (int link = 0; link < 5; ++link) {
    if (cost.link_bytes[link] == 0) continue;
    KPU_ASSIGN_OR_RETURN(double bpc, LinkBytesPerCycle(config, static_cast<ir::MemoryLevel>(link)));
    cost.link_cycles[link] = LinkCycles(cost.link_bytes[link], bpc);
    busiest = std::max(busiest, cost.link_cycles[link]);
  }
  cost.total_cycles = OverlappedCycles(cost.compute_cycles, cost.prologue_cycles, cost.epilogue_cycles, busiest);
  cost.stall_cycles = cost.total_cycles - cost.compute_cycles;
  cost.energy = ComputeEnergy(cost.activity, cost.total_cycles, config);
  return cost;
}

}  // namespace kpu::cost
