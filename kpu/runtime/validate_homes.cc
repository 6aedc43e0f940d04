#include "kpu/runtime/validate_homes.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/residency.h"
#include "kpu/runtime/validator.h"

namespace kpu::runtime {

absl::Status ValidateHomes(const ir::KPUProgram& program) {
  const ir::KPUConfig& config = program.metadata().target_config();
  for (const ir::TensorDescriptor& t : program.tensors().tensors()) {
    if (t.home() == ir::EXTERNAL) continue;
    if (!ir::MemoryLevel_IsValid(t.home()) || t.home() == ir::REGISTER || FindLevel(config, t.home()) == nullptr) {
      return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' has its home in memory level ",
                                              static_cast<int>(t.home()), ", which is no SRAM level of config '",
                                              config.name(), "'"));
    }
    if (t.kind() != ir::TensorDescriptor::ACTIVATION) {
      return InvalidProgramError(absl::StrCat(ir::TensorDescriptor::Kind_Name(t.kind()), " tensor '", t.name(),
                                              "' has an on-chip home; only activations may"));
    }
    uint64_t bytes = DTypeSize(t.dtype());
    for (int64_t d : t.shape()) bytes *= static_cast<uint64_t>(d);  // bounded by kMaxTensorBytes
    const uint64_t capacity = LevelCapacity(*FindLevel(config, t.home()));
    if (t.home_offset() > capacity || bytes > capacity - t.home_offset()) {
      return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' (", bytes, " bytes) at ", LevelName(t.home()),
                                              " offset ", t.home_offset(), " exceeds ", LevelName(t.home()),
                                              "'s capacity of ", capacity, " bytes"));
    }
    if (t.home_offset() % std::max<size_t>(DTypeSize(t.dtype()), 1) != 0) {
      return InvalidProgramError(absl::StrCat("tensor '", t.name(), "' is misaligned in its home"));
    }
  }
  // Every level with homes must hold, while each op runs, the homes live then and the op's own
  // tiles. (A level without homes holds only tiles, which the executor checks when it binds.)
  const LevelBytes peak = PeakSramBytes(program, config);
  const LevelBytes arena = HomeArenaBytes(program);
  for (const ir::MemoryLevelConfig& m : config.memory()) {
    if (m.level() == ir::EXTERNAL || !ir::MemoryLevel_IsValid(m.level()) || arena[m.level()] == 0) continue;
    if (peak[m.level()] > LevelCapacity(m)) {
      return MemoryExceededError("SRAM", peak[m.level()], LevelCapacity(m),
                                 absl::StrCat(LevelName(m.level()), " of config '", config.name(),
                                              "', tensor homes and tiles at their peak"));
    }
  }
  for (const ir::LevelSram& s : program.metadata().sram_levels()) {
    const ir::MemoryLevelConfig* m = ir::MemoryLevel_IsValid(s.level()) ? FindLevel(config, s.level()) : nullptr;
    if (m == nullptr || s.level() == ir::EXTERNAL || s.level() == ir::REGISTER) {
      return InvalidProgramError(absl::StrCat("SRAM report names memory level ", static_cast<int>(s.level()),
                                              ", which is no SRAM level of config '", config.name(), "'"));
    }
    if (s.peak_bytes() > LevelCapacity(*m) || s.home_arena_bytes() > LevelCapacity(*m)) {
      return InvalidProgramError(absl::StrCat("SRAM report for ", LevelName(s.level()), " exceeds its capacity of ",
                                              LevelCapacity(*m), " bytes"));
    }
  }
  return absl::OkStatus();
}

}  // namespace kpu::runtime
