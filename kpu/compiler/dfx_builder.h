// Helpers to emit DFX: regions, hop-by-hop data movement through the config's memory levels,
// compute ops and loops, with unique op ids and dependencies.
#ifndef KPU_COMPILER_DFX_BUILDER_H_
#define KPU_COMPILER_DFX_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/program.pb.h"

namespace kpu::compiler {

using DfxList = google::protobuf::RepeatedPtrField<ir::DfxOp>;

ir::TileIndex Var(const std::string& name);
ir::TileIndex Const(int64_t value);

// A tensor region at a level; the level is filled in by the move helpers.
struct RegionSpec {
  std::string tensor;
  std::vector<ir::TileIndex> index;
  std::vector<int64_t> tile;
  uint32_t slot = 0;
  std::string slot_var;  // double buffering: slot + slot_var % slot_count
  uint32_t slot_count = 0;

  ir::TensorRegion At(ir::MemoryLevel level) const;
};

class DfxBuilder {
 public:
  DfxBuilder(const ir::KPUConfig& config, uint64_t* next_op_id);

  // EXTERNAL, the on-chip levels the config has, REGISTER.
  const std::vector<ir::MemoryLevel>& Chain() const { return chain_; }
  // The on-chip level just below L1, where panels are staged; EXTERNAL if L1 is alone.
  ir::MemoryLevel StagingLevel() const;
  ir::MemoryLevel L1() const;

  // Moves `region` hop by hop from `from` to `to` (either direction) through every level in
  // between, appending to `into`; the same region names the tile at each level. Returns the op id
  // of the last hop (the last of `after` when from == to). `source`, when given, names the region
  // at `from` instead: a tile read out of a larger resident panel, in the panel's slot.
  uint64_t Move(DfxList* into, const RegionSpec& region, ir::MemoryLevel from, ir::MemoryLevel to,
                std::vector<uint64_t> after, const RegionSpec* source = nullptr);

  uint64_t Compute(DfxList* into, ir::Compute::Type type, const std::string& function,
                   const std::vector<ir::TensorRegion>& inputs, const ir::TensorRegion& output,
                   bool accumulate, int64_t axis, std::vector<uint64_t> after);

  // Appends a loop and returns its body.
  DfxList* Loop(DfxList* into, const std::string& var, int64_t trips);

  uint64_t Barrier(DfxList* into, const std::string& label, std::vector<uint64_t> wait_for);

 private:
  ir::DfxOp* NewOp(DfxList* into, std::vector<uint64_t> after);

  std::vector<ir::MemoryLevel> chain_;
  uint64_t* next_op_id_;
};

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_DFX_BUILDER_H_
