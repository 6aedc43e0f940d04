// Every numeric KPUConfig field has a physical range, checked with a message naming the field
// (issue 6: 1e-300 GB/s passed "> 0" and overflowed the tiler's casts).
#include "kpu/ir/config_ranges.h"

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/proto_json.h"

namespace kpu {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

ir::MemoryLevelConfig* Level(ir::KPUConfig& c, ir::MemoryLevel level) {
  for (ir::MemoryLevelConfig& m : *c.mutable_memory()) {
    if (m.level() == level) return &m;
  }
  return nullptr;
}

struct Case {
  const char* field;  // what the message must name
  std::function<void(ir::KPUConfig&)> edit;
};

TEST(ConfigRanges, EveryPresetIsInRange) {
  for (const std::string& name : PresetNames()) {
    auto c = PresetConfig(name);
    ASSERT_TRUE(c.ok());
    EXPECT_TRUE(CheckConfigRanges(*c).ok()) << name << ": " << CheckConfigRanges(*c);
  }
}

TEST(ConfigRanges, EachFieldOutsideItsRangeIsNamed) {
  const double denormal = std::numeric_limits<double>::denorm_min();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"memory[EXTERNAL].bandwidth_gbps = 1e-300", [](ir::KPUConfig& c) { Level(c, ir::EXTERNAL)->set_bandwidth_gbps(1e-300); }},
      {"memory[L3].bandwidth_gbps", [&](ir::KPUConfig& c) { Level(c, ir::L3)->set_bandwidth_gbps(denormal); }},
      {"memory[L2].bandwidth_gbps", [&](ir::KPUConfig& c) { Level(c, ir::L2)->set_bandwidth_gbps(inf); }},
      {"memory[L1].bandwidth_gbps", [&](ir::KPUConfig& c) { Level(c, ir::L1)->set_bandwidth_gbps(nan); }},
      {"memory[L1].instances", [](ir::KPUConfig& c) { Level(c, ir::L1)->set_instances(1u << 30); }},
      {"memory[EXTERNAL].bytes_per_instance", [](ir::KPUConfig& c) { Level(c, ir::EXTERNAL)->set_bytes_per_instance(~uint64_t{0}); }},
      {"memory[L3].instances * bytes_per_instance", [](ir::KPUConfig& c) {
         Level(c, ir::L3)->set_instances(1 << 20);
         Level(c, ir::L3)->set_bytes_per_instance(uint64_t{1} << 40);
       }},
      {"memory[L2].read_energy_pj_per_byte", [&](ir::KPUConfig& c) { Level(c, ir::L2)->set_read_energy_pj_per_byte(nan); }},
      {"memory[L2].write_energy_pj_per_byte", [](ir::KPUConfig& c) { Level(c, ir::L2)->set_write_energy_pj_per_byte(1e30); }},
      {"compute.compute_tiles", [](ir::KPUConfig& c) { c.mutable_compute()->set_compute_tiles(1u << 31); }},
      {"compute.clock_ghz", [](ir::KPUConfig& c) { c.mutable_compute()->set_clock_ghz(1e-12); }},
      {"compute.clock_ghz", [](ir::KPUConfig& c) { c.mutable_compute()->set_clock_ghz(1e12); }},
      {"compute.vector_lanes", [](ir::KPUConfig& c) { c.mutable_compute()->set_vector_lanes(1u << 31); }},
      {"compute.dataflow", [](ir::KPUConfig& c) { c.mutable_compute()->set_dataflow(static_cast<ir::Dataflow>(77)); }},
      {"energy.mac_fp32_pj", [&](ir::KPUConfig& c) { c.mutable_energy()->set_mac_fp32_pj(nan); }},
      {"energy.mac_bf16_pj", [](ir::KPUConfig& c) { c.mutable_energy()->set_mac_bf16_pj(-1); }},
      {"energy.mac_fp16_pj", [](ir::KPUConfig& c) { c.mutable_energy()->set_mac_fp16_pj(1e300); }},
      {"energy.mac_int8_pj", [](ir::KPUConfig& c) { c.mutable_energy()->set_mac_int8_pj(-0.5); }},
      {"energy.vector_exp_fp32_pj", [&](ir::KPUConfig& c) { c.mutable_energy()->set_vector_exp_fp32_pj(inf); }},
      {"energy.static_power_w", [](ir::KPUConfig& c) { c.mutable_energy()->set_static_power_w(1e9); }},
      {"tdp_watts", [](ir::KPUConfig& c) { c.set_tdp_watts(-5); }},
      {"max_batch_size", [](ir::KPUConfig& c) { c.set_max_batch_size(1u << 31); }},
      {"max_tensor_dims", [](ir::KPUConfig& c) { c.set_max_tensor_dims(100); }},
      {"dma_engines", [](ir::KPUConfig& c) { c.set_dma_engines(1u << 20); }},
      {"block_movers", [](ir::KPUConfig& c) { c.set_block_movers(1u << 20); }},
      {"streamers", [](ir::KPUConfig& c) { c.set_streamers(1u << 20); }},
  };
  for (const Case& k : cases) {
    ir::KPUConfig c = DefaultConfig();
    k.edit(c);
    // Through the parser kpu_config_parse uses, from protobuf binary (JSON cannot spell NaN in
    // every field) so that the whole path is tested, not only the range table.
    auto parsed = ParseConfig(c.SerializeAsString());
    ASSERT_FALSE(parsed.ok()) << k.field;
    EXPECT_EQ(KindOf(parsed.status()), ErrorKind::kInvalidArgument) << parsed.status();
    EXPECT_THAT(std::string(parsed.status().message()), AllOf(HasSubstr("KPU config 'swkpu-v1'"), HasSubstr(k.field)))
        << k.field;
  }
}

TEST(ConfigRanges, TheMessageGivesTheRangeAndUnit) {
  ir::KPUConfig c = DefaultConfig();
  Level(c, ir::EXTERNAL)->set_bandwidth_gbps(1e-300);
  auto json = ToJson(c, false);
  ASSERT_TRUE(json.ok());
  auto parsed = ParseConfig(*json);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("memory[EXTERNAL].bandwidth_gbps = 1e-300 is outside its physical range [0.001, 1e+07] GB/s"));
}

}  // namespace
}  // namespace kpu
