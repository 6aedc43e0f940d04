// What the activations kept on chip (tensor homes, chosen by the compiler's residency pass) occupy
// in each SRAM level while each op of a program runs, and the peak each level holds. The compiler
// reports it, the analytical model puts it in the metrics and the DFX interpreter charges it
// against the level's capacity: one definition of a home's lifetime for all of them.
#ifndef KPU_IR_RESIDENCY_H_
#define KPU_IR_RESIDENCY_H_

#include <array>
#include <cstdint>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/program.pb.h"

namespace kpu {

// Bytes per memory level, indexed by ir::MemoryLevel.
using LevelBytes = std::array<uint64_t, 5>;

// For each op (in program order): per level, the end of the highest home buffer live during the
// op. A home is live from the first op that names the tensor to the last one (so a reshape alias
// keeps its root's home alive). Tensors whose home is EXTERNAL are not counted.
std::vector<LevelBytes> HomeBytesPerOp(const ir::KPUProgram& program);

// Per level: the home arena's size (the end of its highest home buffer).
LevelBytes HomeArenaBytes(const ir::KPUProgram& program);

// Per on-chip level of `config`: the most it holds while any op runs, its homes live then plus the
// op's own tiles (l1_bytes in the level nearest the array, staging_bytes in each level below it).
LevelBytes PeakSramBytes(const ir::KPUProgram& program, const ir::KPUConfig& config);

}  // namespace kpu

#endif  // KPU_IR_RESIDENCY_H_
