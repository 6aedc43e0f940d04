#include "kpu/ir/config_presets.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/config_ranges.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/proto_json.h"

namespace kpu {
namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

void AddLevel(ir::KPUConfig* c, ir::MemoryLevel level, const char* tech, uint32_t instances,
              uint64_t bytes, double gbps, double pj_per_byte) {
  ir::MemoryLevelConfig* m = c->add_memory();
  m->set_level(level);
  m->set_technology(tech);
  m->set_instances(instances);
  m->set_bytes_per_instance(bytes);
  m->set_bandwidth_gbps(gbps);
  m->set_read_energy_pj_per_byte(pj_per_byte);
  m->set_write_energy_pj_per_byte(pj_per_byte);
}

struct PresetSpec {
  const char* name;
  uint32_t rows, cols, tiles;
  double clock_ghz;
  const char* dram_tech;
  double dram_gbps;
  double dram_pj;
  uint32_t l3_tiles;
  uint32_t l2_banks;
  uint64_t l2_bank_bytes;
  uint32_t l1_buffers;
  uint64_t l1_buffer_bytes;
  double tdp_watts;
  double static_watts;
};

// Stillwater's presets (minimal, edge_ai, embodied_ai, datacenter) and seed 004's default.
const PresetSpec kPresets[] = {
    {"swkpu-v1", 16, 16, 1, 1.0, "LPDDR5", 100.0, 12.0, 32, 8, 256 * KiB, 4, 64 * KiB, 5.0, 0.5},
    {"minimal", 8, 8, 1, 0.5, "LPDDR4", 25.0, 15.0, 1, 2, 64 * KiB, 2, 32 * KiB, 1.0, 0.05},
    {"edge_ai", 16, 16, 2, 1.0, "LPDDR5", 100.0, 12.0, 32, 8, 64 * KiB, 4, 32 * KiB, 5.0, 0.4},
    {"embodied_ai", 24, 24, 64, 1.0, "LPDDR5", 25.0, 12.0, 64, 16, 64 * KiB, 4, 32 * KiB, 15.0, 1.5},
    {"datacenter", 32, 32, 256, 1.5, "HBM3", 3200.0, 4.0, 256, 64, 256 * KiB, 4, 64 * KiB, 300.0, 30.0},
};

ir::KPUConfig Build(const PresetSpec& p) {
  ir::KPUConfig c;
  c.set_name(p.name);
  c.set_version("1.0.0");
  AddLevel(&c, ir::EXTERNAL, p.dram_tech, 2, 1 * GiB, p.dram_gbps, p.dram_pj);
  // On-chip bandwidths scale with the array: each level can feed a full array fold per cycle at
  // the level below it, so the DRAM link is the bottleneck the timing model exposes.
  const double array_gbps = (p.rows + p.cols) * 4.0 * p.clock_ghz * p.tiles;
  AddLevel(&c, ir::L3, "SRAM", p.l3_tiles, 128 * KiB, 2.0 * array_gbps, 1.5);
  AddLevel(&c, ir::L2, "SRAM", p.l2_banks, p.l2_bank_bytes, 4.0 * array_gbps, 0.7);
  AddLevel(&c, ir::L1, "SRAM", p.l1_buffers, p.l1_buffer_bytes, 8.0 * array_gbps, 0.2);
  ir::ComputeConfig* compute = c.mutable_compute();
  compute->set_array_rows(p.rows);
  compute->set_array_cols(p.cols);
  compute->set_compute_tiles(p.tiles);
  compute->set_clock_ghz(p.clock_ghz);
  compute->set_dataflow(ir::OUTPUT_STATIONARY);
  compute->set_vector_lanes(p.cols);
  ir::EnergyTable* e = c.mutable_energy();
  e->set_mac_fp32_pj(4.6);   // Horowitz: fp32 mult 3.7 + add 0.9
  e->set_mac_bf16_pj(0.40);  // Stillwater
  e->set_mac_fp16_pj(1.5);   // Horowitz: fp16 mult 1.1 + add 0.4
  e->set_mac_int8_pj(0.25);  // Stillwater
  e->set_vector_op_fp32_pj(0.9);
  e->set_vector_exp_fp32_pj(4.6);
  e->set_static_power_w(p.static_watts);
  c.set_tdp_watts(p.tdp_watts);
  c.set_dma_engines(8);
  c.set_block_movers(4);
  c.set_streamers(8);
  c.set_max_batch_size(16);
  c.set_max_tensor_dims(6);
  c.add_supported_precisions("fp32");
  for (const char* op : {"matmul", "linear", "add", "relu", "softmax"}) c.add_native_ops(op);
  return c;
}

}  // namespace

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const PresetSpec& p : kPresets) names.push_back(p.name);
  return names;
}

absl::StatusOr<ir::KPUConfig> PresetConfig(const std::string& name) {
  for (const PresetSpec& p : kPresets) {
    if (name == p.name) return Build(p);
  }
  return InvalidArgumentError(absl::StrCat("Unknown KPU config preset '", name,
                                           "'; presets: ", absl::StrJoin(PresetNames(), ", ")));
}

ir::KPUConfig DefaultConfig() { return Build(kPresets[0]); }

std::string LevelName(ir::MemoryLevel level) { return ir::MemoryLevel_Name(level); }

const ir::MemoryLevelConfig* FindLevel(const ir::KPUConfig& config, ir::MemoryLevel level) {
  for (const auto& m : config.memory()) {
    if (m.level() == level) return &m;
  }
  return nullptr;
}

uint64_t LevelCapacity(const ir::MemoryLevelConfig& level) {
  return static_cast<uint64_t>(level.instances()) * level.bytes_per_instance();
}

double LevelBytesPerCycle(const ir::KPUConfig& config, const ir::MemoryLevelConfig& level) {
  return level.bandwidth_gbps() / config.compute().clock_ghz();
}

absl::Status ValidateConfig(const ir::KPUConfig& c) {
  auto bad = [&](const std::string& what) {
    return InvalidArgumentError(absl::StrCat("KPU config '", c.name(), "': ", what));
  };
  const ir::ComputeConfig& k = c.compute();
  if (k.array_rows() == 0 || k.array_cols() == 0) return bad("compute.array_rows and array_cols must be positive");
  if (k.array_rows() > 1024 || k.array_cols() > 1024) return bad("array larger than 1024x1024");
  if (k.compute_tiles() == 0) return bad("compute.compute_tiles must be positive");
  if (!(k.clock_ghz() > 0)) return bad("compute.clock_ghz must be positive");
  if (k.vector_lanes() == 0) return bad("compute.vector_lanes must be positive");
  if (FindLevel(c, ir::EXTERNAL) == nullptr) return bad("no EXTERNAL memory level");
  int last = -1;
  for (const auto& m : c.memory()) {
    const std::string name = LevelName(m.level());
    if (m.level() == ir::REGISTER) return bad("REGISTER is the array itself, not a memory level");
    if (static_cast<int>(m.level()) <= last) return bad("memory levels must be listed EXTERNAL first, then L3, L2, L1, each once");
    last = m.level();
    if (m.instances() == 0 || m.bytes_per_instance() == 0) return bad(name + " has no capacity");
  }
  // Bandwidths, clocks, energies and counts: each within a physical range (config_ranges.h).
  return CheckConfigRanges(c);
}

absl::StatusOr<ir::KPUConfig> ParseConfig(const std::string& bytes) {
  ir::KPUConfig config;
  KPU_RETURN_IF_ERROR(ParseJsonOrBinary(bytes, "KPU config", &config));
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

}  // namespace kpu
