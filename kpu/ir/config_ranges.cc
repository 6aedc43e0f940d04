#include "kpu/ir/config_ranges.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"

namespace kpu {
namespace {

struct Field {
  std::string name;
  double value;
  double lo, hi;
  const char* unit;
};

// Capacity of one level: up to 1 PiB, so sums of a few levels and arena offsets stay in 64 bits.
constexpr double kMaxLevelBytes = 1125899906842624.0;  // 2^50

}  // namespace

absl::Status CheckConfigRanges(const ir::KPUConfig& c) {
  std::vector<Field> fields;
  for (const ir::MemoryLevelConfig& m : c.memory()) {
    const std::string level = absl::StrCat("memory[", ir::MemoryLevel_IsValid(m.level()) ? ir::MemoryLevel_Name(m.level())
                                                                                       : absl::StrCat(m.level()), "].");
    fields.push_back({level + "instances", static_cast<double>(m.instances()), 1, 1 << 20, ""});
    fields.push_back({level + "bytes_per_instance", static_cast<double>(m.bytes_per_instance()), 1, kMaxLevelBytes, "bytes"});
    fields.push_back({level + "instances * bytes_per_instance",
                      static_cast<double>(m.instances()) * static_cast<double>(m.bytes_per_instance()), 1,
                      kMaxLevelBytes, "bytes"});
    // 1 MB/s (a slow serial flash) to 10 PB/s (far past any on-chip network).
    fields.push_back({level + "bandwidth_gbps", m.bandwidth_gbps(), 1e-3, 1e7, "GB/s"});
    fields.push_back({level + "read_energy_pj_per_byte", m.read_energy_pj_per_byte(), 0, 1e5, "pJ/byte"});
    fields.push_back({level + "write_energy_pj_per_byte", m.write_energy_pj_per_byte(), 0, 1e5, "pJ/byte"});
  }
  const ir::ComputeConfig& k = c.compute();
  fields.push_back({"compute.array_rows", static_cast<double>(k.array_rows()), 1, 1024, ""});
  fields.push_back({"compute.array_cols", static_cast<double>(k.array_cols()), 1, 1024, ""});
  fields.push_back({"compute.compute_tiles", static_cast<double>(k.compute_tiles()), 1, 65536, ""});
  // 1 MHz to 100 GHz.
  fields.push_back({"compute.clock_ghz", k.clock_ghz(), 1e-3, 100, "GHz"});
  fields.push_back({"compute.vector_lanes", static_cast<double>(k.vector_lanes()), 1, 65536, ""});
  const ir::EnergyTable& e = c.energy();
  for (const auto& [name, value] : std::vector<std::pair<const char*, double>>{
           {"energy.mac_fp32_pj", e.mac_fp32_pj()}, {"energy.mac_bf16_pj", e.mac_bf16_pj()},
           {"energy.mac_fp16_pj", e.mac_fp16_pj()}, {"energy.mac_int8_pj", e.mac_int8_pj()},
           {"energy.vector_op_fp32_pj", e.vector_op_fp32_pj()}, {"energy.vector_exp_fp32_pj", e.vector_exp_fp32_pj()}}) {
    fields.push_back({name, value, 0, 1e5, "pJ"});
  }
  fields.push_back({"energy.static_power_w", e.static_power_w(), 0, 1e6, "W"});
  fields.push_back({"tdp_watts", c.tdp_watts(), 0, 1e6, "W"});
  fields.push_back({"max_batch_size", static_cast<double>(c.max_batch_size()), 0, 1 << 20, "(0: no limit)"});
  fields.push_back({"max_tensor_dims", static_cast<double>(c.max_tensor_dims()), 0, 8, "(0: no limit)"});
  fields.push_back({"dma_engines", static_cast<double>(c.dma_engines()), 0, 4096, ""});
  fields.push_back({"block_movers", static_cast<double>(c.block_movers()), 0, 4096, ""});
  fields.push_back({"streamers", static_cast<double>(c.streamers()), 0, 4096, ""});
  for (const Field& f : fields) {
    // Written so that NaN fails too.
    if (f.value >= f.lo && f.value <= f.hi) continue;
    return InvalidArgumentError(absl::StrCat("KPU config '", c.name(), "': ", f.name, " = ", f.value,
                                             " is outside its physical range [", f.lo, ", ", f.hi, "]",
                                             f.unit[0] != '\0' ? " " : "", f.unit));
  }
  if (!ir::Dataflow_IsValid(k.dataflow())) {
    return InvalidArgumentError(absl::StrCat("KPU config '", c.name(), "': compute.dataflow = ", k.dataflow(),
                                             " is not a dataflow"));
  }
  return absl::OkStatus();
}

}  // namespace kpu
