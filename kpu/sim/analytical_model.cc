#include "kpu/sim/analytical_model.h"

#include "kpu/cost/op_cost.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/residency.h"

namespace kpu::sim {

absl::StatusOr<ir::KPUPerformanceMetrics> EstimateProgram(const ir::KPUProgram& program,
                                                          const ir::KPUConfig& config) {
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  const cost::ProgramTensors tensors = cost::TensorsOf(program.tensors());
  const uint64_t array_macs_per_cycle = static_cast<uint64_t>(config.compute().array_rows()) *
                                        config.compute().array_cols() * config.compute().compute_tiles();
  ir::KPUPerformanceMetrics m;
  m.set_mode("FUNCTIONAL");
  cost::Activity total;
  cost::Energy energy;
  for (const ir::KPUOp& op : program.operations().ops()) {
    KPU_ASSIGN_OR_RETURN(cost::OpCost c, cost::EstimateOp(op, tensors, config));
    ir::OpMetrics* om = m.add_op_metrics();
    om->set_op_id(op.id());
    om->set_op_type(op.op_type());
    om->set_cycles(c.total_cycles);
    om->set_compute_cycles(c.compute_cycles);
    om->set_memory_stall_cycles(c.stall_cycles);
    om->set_macs(c.macs);
    om->set_dram_bytes(c.dram_bytes());
    om->set_energy_pj(c.energy.total_pj());
    om->set_compute_utilization(
        c.total_cycles ? static_cast<double>(c.macs) / (static_cast<double>(c.total_cycles) * array_macs_per_cycle) : 0);

    m.set_total_cycles(m.total_cycles() + c.total_cycles);
    m.set_compute_cycles(m.compute_cycles() + c.compute_cycles);
    m.set_memory_stall_cycles(m.memory_stall_cycles() + c.stall_cycles);
    m.set_l1_hits(m.l1_hits() + c.l1_operand_reads);
    m.set_l1_misses(m.l1_misses() + c.l1_fills);
    m.set_l2_hits(m.l2_hits() + c.l2_serves);
    m.set_l2_misses(m.l2_misses() + c.l2_fills);
    total.Add(c.activity);
    // The program's energy is the sum of its ops' (static power over each op's own cycles), the
    // same sum the compiler writes into the program.
    energy.Add(c.energy);
  }
  const uint64_t cycles = m.total_cycles();
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
  m.set_total_macs(total.TotalMacs());
  m.set_compute_utilization(cycles ? static_cast<double>(total.TotalMacs()) / (static_cast<double>(cycles) * array_macs_per_cycle) : 0);
  const LevelBytes peak = PeakSramBytes(program, config);
  m.set_peak_l3_bytes(peak[ir::L3]);
  m.set_peak_l2_bytes(peak[ir::L2]);
  m.set_peak_l1_bytes(peak[ir::L1]);
  const double dram_bpc = LevelBytesPerCycle(config, *FindLevel(config, ir::EXTERNAL));
  m.set_memory_bandwidth_utilization(
      cycles ? (m.dram_reads_bytes() + m.dram_writes_bytes()) / (cycles * dram_bpc) : 0);
  return m;
}

}  // namespace kpu::sim
