// KPUConfig presets and helpers. The default, "swkpu-v1", follows seed 004's defaults (L1 256 KB,
// L2 2 MB, 5 W TDP) on Stillwater's published hierarchy (DRAM 100 GB/s, L3 32 x 128 KB, 16x16
// output-stationary array); energies per byte follow Stillwater's notes, fp32 MACs Horowitz 2014.
#ifndef KPU_IR_CONFIG_PRESETS_H_
#define KPU_IR_CONFIG_PRESETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/config.pb.h"

namespace kpu {

constexpr char kDefaultConfigName[] = "swkpu-v1";

std::vector<std::string> PresetNames();
absl::StatusOr<ir::KPUConfig> PresetConfig(const std::string& name);
ir::KPUConfig DefaultConfig();

// Checks a config for the values every model relies on (positive sizes, bandwidths, clock,
// array shape, an EXTERNAL level); errors name the field.
absl::Status ValidateConfig(const ir::KPUConfig& config);

// From JSON text (protobuf JSON mapping) or protobuf binary.
absl::StatusOr<ir::KPUConfig> ParseConfig(const std::string& bytes);

// The level's config, or nullptr if the config has no such level.
const ir::MemoryLevelConfig* FindLevel(const ir::KPUConfig& config, ir::MemoryLevel level);
uint64_t LevelCapacity(const ir::MemoryLevelConfig& level);
// Bytes per clock cycle a level delivers.
double LevelBytesPerCycle(const ir::KPUConfig& config, const ir::MemoryLevelConfig& level);
// "L2", "EXTERNAL", ...
std::string LevelName(ir::MemoryLevel level);

}  // namespace kpu

#endif  // KPU_IR_CONFIG_PRESETS_H_
