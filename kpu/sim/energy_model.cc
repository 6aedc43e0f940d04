#include "kpu/sim/energy_model.h"

#include "kpu/ir/config_presets.h"

namespace kpu::sim {

Energy ComputeEnergy(const Activity& a, uint64_t cycles, const ir::KPUConfig& config) {
  const ir::EnergyTable& t = config.energy();
  Energy e;
  // fp32 is the only precision so far; the MAC energy follows the program's precision later.
  e.compute_pj = a.macs * t.mac_fp32_pj() + a.vector_ops * t.vector_op_fp32_pj() + a.exps * t.vector_exp_fp32_pj();
  for (const auto& level : config.memory()) {
    e.memory_pj += a.read_bytes[level.level()] * level.read_energy_pj_per_byte() +
                   a.write_bytes[level.level()] * level.write_energy_pj_per_byte();
  }
  const double seconds = cycles / (config.compute().clock_ghz() * 1e9);
  e.static_pj = t.static_power_w() * seconds * 1e12;
  return e;
}

}  // namespace kpu::sim
