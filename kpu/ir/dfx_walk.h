// Walks a DFX kernel in execution order: expands TileLoops, evaluates each TensorRegion's affine
// dimensions to the elements it denotes, and hands every DataMove and Compute to a visitor. The
// runtime's tile interpreter (values), the validator and the cost model (time, energy) all walk
// with it, so they agree on what a program does.
#ifndef KPU_IR_DFX_WALK_H_
#define KPU_IR_DFX_WALK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kpu/ir/program.pb.h"
#include "kpu/ir/shape.h"

namespace kpu {

// Elements [lo[d], hi[d]) in every dimension d of a tensor.
struct Box {
  std::vector<int64_t> lo;
  std::vector<int64_t> hi;

  int64_t NumElements() const;
  Shape Extent() const;
  bool Contains(const Box& other) const;
  bool operator==(const Box& other) const { return lo == other.lo && hi == other.hi; }
};

std::string FormatBox(const Box& box);

// A region resolved for the current loop iteration: per dimension the tensor elements
// origin + i * stride, i in [0, extent), in buffer `slot` of its level.
struct Place {
  std::vector<int64_t> origin;
  Shape extent;
  std::vector<int64_t> stride;
  Shape tensor_shape;
  uint32_t slot = 0;

  int64_t NumElements() const;    // the whole tile, padding included
  int64_t ValidElements() const;  // the elements inside the tensor: what a mover carries
  const Shape& Extent() const { return extent; }
  // The part inside the tensor, as tile indices [lo, hi) per dimension (empty when none).
  Box ValidIndices() const;
  bool operator==(const Place& o) const {
    return origin == o.origin && extent == o.extent && stride == o.stride && slot == o.slot;
  }
};

std::string FormatPlace(const Place& place);

class DfxVisitor {
 public:
  virtual ~DfxVisitor() = default;
  virtual absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove& move, const Place& src,
                                  const Place& dst) = 0;
  virtual absl::Status OnCompute(const ir::DfxOp& op, const ir::Compute& compute,
                                 const std::vector<Place>& inputs, const Place& output) = 0;
  virtual absl::Status OnBarrier(const ir::DfxOp& op) { return absl::OkStatus(); }
};

// Shapes of every tensor a kernel names.
using ShapeTable = std::map<std::string, Shape>;

// Limits the steps of a walk (one per op visited and one per loop iteration) so a hostile program
// cannot make a walk run forever; checked from the loop bounds before the walk starts.
constexpr uint64_t kMaxDfxSteps = 200'000'000;
constexpr int kMaxLoopDepth = 16;
// Limits on one region, so element counts and coordinates never overflow.
constexpr int64_t kMaxTileElements = int64_t{1} << 32;
constexpr int64_t kMaxCoordinate = int64_t{1} << 40;

absl::Status WalkDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops,
                     const ShapeTable& shapes, DfxVisitor& visitor);

// Steps a kernel would take (saturating at 2^64 - 1), from its loop bounds alone, without
// visiting: for validation and progress reporting.
absl::StatusOr<uint64_t> CountDfxSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops);

// Resolves one region against loop variable values (exposed for tests and tools).
absl::StatusOr<Place> ResolveRegion(const ir::TensorRegion& region, const ShapeTable& shapes,
                                    const std::map<std::string, int64_t>& vars);

// One dynamic instance of a DataMove, Compute or Barrier, with the instances it waits for
// (indices into the expansion), as decision 9 defines them: for each op in `depends_on`, every
// instance issued since this op's own previous instance (the latest one if none was), and for
// `carried` the instance `distance` iterations back.
struct DfxInstance {
  const ir::DfxOp* op = nullptr;
  std::vector<Place> places;  // DataMove: source, destination; Compute: inputs..., output
  std::vector<size_t> waits_for;
};

// Every instance of a kernel in program order, with its dependency edges. A barrier waits for
// everything before it and everything after it waits for the barrier.
absl::StatusOr<std::vector<DfxInstance>> ExpandDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops,
                                                   const ShapeTable& shapes, uint64_t max_instances);

}  // namespace kpu

#endif  // KPU_IR_DFX_WALK_H_
