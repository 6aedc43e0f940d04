#include "kpu/cost/energy.h"

namespace kpu::cost {

uint64_t Activity::TotalMacs() const {
  uint64_t n = 0;
  for (const auto& [dtype, count] : macs) n += count;
  return n;
}

void Activity::Add(const Activity& o) {
  for (const auto& [dtype, count] : o.macs) macs[dtype] += count;
  vector_ops += o.vector_ops;
  exps += o.exps;
  for (size_t l = 0; l < read_bytes.size(); ++l) {
    read_bytes[l] += o.read_bytes[l];
    write_bytes[l] += o.write_bytes[l];
  }
}

void Energy::Add(const Energy& o) {
  compute_pj += o.compute_pj;
  memory_pj += o.memory_pj;
  static_pj += o.static_pj;
}

double MacEnergyPj(const ir::EnergyTable& t, ir::DataType dtype) {
  switch (dtype) {
    case ir::BFLOAT16: return t.mac_bf16_pj();
    case ir::FLOAT16: return t.mac_fp16_pj();
    case ir::INT4:
    case ir::INT8:
    case ir::UINT8:
    case ir::BOOL: return t.mac_int8_pj();
    default: return t.mac_fp32_pj();
  }
}

double StaticEnergyPj(uint64_t cycles, const ir::KPUConfig& config) {
  const double seconds = cycles / (config.compute().clock_ghz() * 1e9);
  return config.energy().static_power_w() * seconds * 1e12;
}

Energy ComputeEnergy(const Activity& a, uint64_t cycles, const ir::KPUConfig& config) {
  const ir::EnergyTable& t = config.energy();
  Energy e;
  for (const auto& [dtype, count] : a.macs) e.compute_pj += count * MacEnergyPj(t, dtype);
  e.compute_pj += a.vector_ops * t.vector_op_fp32_pj() + a.exps * t.vector_exp_fp32_pj();
  for (const auto& level : config.memory()) {
    e.memory_pj += a.read_bytes[level.level()] * level.read_energy_pj_per_byte() +
                   a.write_bytes[level.level()] * level.write_energy_pj_per_byte();
  }
  e.static_pj = StaticEnergyPj(cycles, config);
  return e;
}

}  // namespace kpu::cost
