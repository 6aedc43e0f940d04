#include "kpu/sim/analytical_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/sim/compute_cost.h"
#include "kpu/sim/energy_model.h"

namespace kpu::sim {
namespace {

// Counts what one op's kernel does.
class Counter : public DfxVisitor {
 public:
  Counter(const ir::KPUConfig& config, const std::map<std::string, size_t>& element_size)
      : config_(config), element_size_(element_size) {}

  absl::Status OnDataMove(const ir::DfxOp&, const ir::DataMove& move, const Place& src, const Place&) override {
    const ir::MemoryLevel from = move.source().level(), to = move.destination().level();
    for (ir::MemoryLevel l : {from, to}) {
      if (l != ir::REGISTER && FindLevel(config_, l) == nullptr) {
        return InvalidProgramError(absl::StrCat("a DataMove uses ", LevelName(l), ", which the KPU config '",
                                                config_.name(), "' does not have"));
      }
    }
    // Movers carry only the elements inside the tensor; padding is filled at the destination.
    const uint64_t bytes = src.ValidElements() * element_size_.at(move.source().tensor());
    activity.read_bytes[from] += bytes;
    activity.write_bytes[to] += bytes;
    // A link is named by its level nearer DRAM, whose bandwidth it runs at.
    link_bytes[std::min(from, to)] += bytes;
    if (to == ir::L1 && from < to) ++l1_fills;
    if (to == ir::L2 && from < to) ++l2_fills;
    if (from == ir::L2 && to > from) ++l2_serves;
    return absl::OkStatus();
  }

  absl::Status OnCompute(const ir::DfxOp&, const ir::Compute& compute, const std::vector<Place>& inputs,
                         const Place& output) override {
    auto it = ComputeCosts().find(compute.function());
    if (it == ComputeCosts().end()) {
      return InvalidProgramError(absl::StrCat("no cost model for compute function '", compute.function(), "'"));
    }
    ComputeCost c = it->second(inputs, output, config_);
    if (compute.type() == ir::Compute::MATMUL_TILE) {
      array_cycles += c.cycles;
      if (!compute.accumulate()) ++output_tiles;
    } else {
      vector_cycles += c.cycles;
    }
    activity.macs += c.macs;
    activity.vector_ops += c.vector_ops;
    activity.exps += c.exps;
    for (const auto& in : compute.inputs()) {
      if (in.level() == ir::L1) ++l1_operand_reads;
    }
    return absl::OkStatus();
  }

  Activity activity;
  std::map<ir::MemoryLevel, uint64_t> link_bytes;
  uint64_t array_cycles = 0, vector_cycles = 0, output_tiles = 0;
  uint64_t l1_fills = 0, l2_fills = 0, l2_serves = 0, l1_operand_reads = 0;

 private:
  const ir::KPUConfig& config_;
  const std::map<std::string, size_t>& element_size_;
};

}  // namespace

absl::StatusOr<ir::KPUPerformanceMetrics> EstimateProgram(const ir::KPUProgram& program,
                                                          const ir::KPUConfig& config) {
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  ShapeTable shapes;
  std::map<std::string, size_t> element_size;
  for (const auto& t : program.tensors().tensors()) {
    shapes[t.name()] = Shape(t.shape().begin(), t.shape().end());
    element_size[t.name()] = DTypeSize(t.dtype());
  }
  const uint64_t tiles = config.compute().compute_tiles();
  const uint64_t array_macs_per_cycle = static_cast<uint64_t>(config.compute().array_rows()) *
                                        config.compute().array_cols() * tiles;
  ir::KPUPerformanceMetrics m;
  m.set_mode("FUNCTIONAL");
  Activity total;
  for (const ir::KPUOp& op : program.operations().ops()) {
    Counter counter(config, element_size);
    KPU_RETURN_IF_ERROR(WalkDfx(op.dfx(), shapes, counter));
    // Independent output tiles spread over the compute tiles.
    const uint64_t parallel = std::max<uint64_t>(1, std::min<uint64_t>(tiles, counter.output_tiles));
    const uint64_t compute = (counter.array_cycles + parallel - 1) / parallel + counter.vector_cycles;
    uint64_t busiest = compute;
    for (const auto& [level, bytes] : counter.link_bytes) {
      const ir::MemoryLevelConfig* cfg = FindLevel(config, level);
      if (cfg == nullptr) {
        return InvalidProgramError(absl::StrCat("op '", op.id(), "' moves data through ", LevelName(level),
                                                ", which the KPU config '", config.name(), "' does not have"));
      }
      busiest = std::max<uint64_t>(busiest, static_cast<uint64_t>(std::ceil(bytes / LevelBytesPerCycle(config, *cfg))));
    }
    const Energy energy = ComputeEnergy(counter.activity, busiest, config);
    ir::OpMetrics* om = m.add_op_metrics();
    om->set_op_id(op.id());
    om->set_op_type(op.op_type());
    om->set_cycles(busiest);
    om->set_compute_cycles(compute);
    om->set_memory_stall_cycles(busiest - compute);
    om->set_macs(counter.activity.macs);
    om->set_dram_bytes(counter.link_bytes[ir::EXTERNAL]);
    om->set_energy_pj(energy.total_pj());
    om->set_compute_utilization(busiest ? static_cast<double>(counter.activity.macs) / (busiest * array_macs_per_cycle) : 0);

    m.set_total_cycles(m.total_cycles() + busiest);
    m.set_compute_cycles(m.compute_cycles() + compute);
    m.set_memory_stall_cycles(m.memory_stall_cycles() + busiest - compute);
    m.set_l1_hits(m.l1_hits() + counter.l1_operand_reads);
    m.set_l1_misses(m.l1_misses() + counter.l1_fills);
    m.set_l2_hits(m.l2_hits() + counter.l2_serves);
    m.set_l2_misses(m.l2_misses() + counter.l2_fills);
    total.macs += counter.activity.macs;
    total.vector_ops += counter.activity.vector_ops;
    total.exps += counter.activity.exps;
    for (int l = 0; l < 5; ++l) {
      total.read_bytes[l] += counter.activity.read_bytes[l];
      total.write_bytes[l] += counter.activity.write_bytes[l];
    }
  }
  const uint64_t cycles = m.total_cycles();
  const Energy energy = ComputeEnergy(total, cycles, config);
  m.set_other_cycles(0);
  m.set_total_time_us(cycles / (config.compute().clock_ghz() * 1e3));
  m.set_dram_reads_bytes(total.read_bytes[ir::EXTERNAL]);
  m.set_dram_writes_bytes(total.write_bytes[ir::EXTERNAL]);
  m.set_sram_reads_bytes(total.read_bytes[ir::L3] + total.read_bytes[ir::L2] + total.read_bytes[ir::L1]);
  m.set_sram_writes_bytes(total.write_bytes[ir::L3] + total.write_bytes[ir::L2] + total.write_bytes[ir::L1]);
  m.set_compute_energy_uj(energy.compute_pj * 1e-6);
  m.set_memory_energy_uj(energy.memory_pj * 1e-6);
  m.set_static_energy_uj(energy.static_pj * 1e-6);
  m.set_total_energy_uj(energy.total_pj() * 1e-6);
  const double seconds = cycles / (config.compute().clock_ghz() * 1e9);
  m.set_average_power_watts(seconds > 0 ? energy.total_pj() * 1e-12 / seconds : 0);
  m.set_total_macs(total.macs);
  m.set_compute_utilization(cycles ? static_cast<double>(total.macs) / (static_cast<double>(cycles) * array_macs_per_cycle) : 0);
  const double dram_bpc = LevelBytesPerCycle(config, *FindLevel(config, ir::EXTERNAL));
  m.set_memory_bandwidth_utilization(
      cycles ? (m.dram_reads_bytes() + m.dram_writes_bytes()) / (cycles * dram_bpc) : 0);
  return m;
}

}  // namespace kpu::sim
