// Helpers to emit DFX: regions, hop-by-hop data movement through the config's memory levels,
// compute ops and loops, with unique op ids and dependencies.
#ifndef KPU_COMPILER_DFX_BUILDER_H_
#define KPU_COMPILER_DFX_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/program.pb.h"

namespace kpu::compiler {

using DfxList = google::protobuf::RepeatedPtrField<ir::DfxOp>;

// The index of an aligned tile along one dimension: constant + the loop variable `var`, if any.
struct TileIndex {
  std::string var;
  int64_t constant = 0;
};

TileIndex Var(const std::string& name);
TileIndex Const(int64_t value);

// constant + sum(coeff * var).
ir::AffineExpr Affine(int64_t constant, const std::vector<std::pair<std::string, int64_t>>& terms = {});
ir::RegionDim Dim(ir::AffineExpr origin, int64_t extent, int64_t stride = 1, int64_t halo_lo = 0,
                  int64_t halo_hi = 0);

// A tensor region at a level; the level is filled in by the move helpers. Either the aligned form
// (tile `index` of size `tile` per dimension: origin index * tile) or, when `dims` is set, any
// affine window (conv inputs with halo and padding).
struct RegionSpec {
  std::string tensor;
  std::vector<TileIndex> index;
  std::vector<int64_t> tile;
  uint32_t slot = 0;
  std::string slot_var;  // double buffering: slot + slot_var % slot_count
  uint32_t slot_count = 0;
  std::vector<ir::RegionDim> dims;
  ir::TensorRegion::Padding padding = ir::TensorRegion::PAD_ZERO;
  double pad_value = 0;  // with PAD_VALUE
  // The tile's storage order at level `converted_at` and the levels above it (towards the array):
  // DRAM and the staging levels hold every tensor in its logical order (row-major, NCHW for
  // images), so the hop into `converted_at` is a layout conversion (program.proto, Layout).
  ir::Layout layout = ir::LAYOUT_ROW_MAJOR;
  ir::MemoryLevel converted_at = ir::L1;
  ir::DataType dtype = ir::DTYPE_UNSPECIFIED;
  // Part of a larger tile held on chip (fold partial sums in L1); never set on REGISTER.
  bool partial = false;

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

  // The on-chip homes of activations the residency pass keeps on chip (tensor -> level). Every
  // Move below resolves against them, so no lowering needs to know where a tensor lives.
  void SetHomes(std::map<std::string, ir::MemoryLevel> homes) { homes_ = std::move(homes); }
  ir::MemoryLevel HomeOf(const std::string& tensor) const;

  // Moves `region` hop by hop from `from` to `to` (either direction) through every level in
  // between, appending to `into`; the same region names the tile at each level. Returns the op id
  // of the last hop (the last of `after`, or 0, when nothing moves). `source`, when given, names
  // the region at `from` instead: a tile read out of a larger resident panel, in the panel's slot.
  // `flush`: the first hop is a FLUSH, which releases the tile at `from` once it is read.
  // A tensor with an on-chip home H is never in DRAM: a load from H or a level below it starts at
  // H (where the whole tensor is, so `source` does not apply), a load to H or below is not needed,
  // and a store to H or below ends at H. Its region at H names the home buffer (no slot).
  uint64_t Move(DfxList* into, const RegionSpec& region, ir::MemoryLevel from, ir::MemoryLevel to,
                std::vector<uint64_t> after, const RegionSpec* source = nullptr, bool flush = false);

  // Returns the new op's id; `attributes` and `dataflow` travel with it (decision 8).
  uint64_t Compute(DfxList* into, ir::Compute::Type type, const std::string& function,
                   const std::vector<ir::TensorRegion>& inputs, const ir::TensorRegion& output,
                   bool accumulate, int64_t axis, std::vector<uint64_t> after,
                   const google::protobuf::Map<std::string, ir::Attribute>* attributes = nullptr,
                   ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED);

  // Appends a loop and returns its body.
  DfxList* Loop(DfxList* into, const std::string& var, int64_t trips);

  uint64_t Barrier(DfxList* into, const std::string& label, std::vector<uint64_t> wait_for);

 private:
  ir::DfxOp* NewOp(DfxList* into, std::vector<uint64_t> after);

  std::vector<ir::MemoryLevel> chain_;
  uint64_t* next_op_id_;
  std::map<std::string, ir::MemoryLevel> homes_;
};

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_DFX_BUILDER_H_
