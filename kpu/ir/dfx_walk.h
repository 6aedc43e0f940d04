// Walks a DFX kernel in execution order: expands TileLoops, evaluates each TensorRegion to the
// box of elements it denotes, and hands every DataMove and Compute to a visitor. The runtime's
// tile interpreter (values) and the simulator's timing model (time, energy) both walk with it, so
// they agree on what a program does.
#ifndef KPU_IR_DFX_WALK_H_
#define KPU_IR_DFX_WALK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
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

// A region resolved for the current loop iteration: which elements, in which buffer slot.
struct Place {
  Box box;
  uint32_t slot = 0;
};

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

// Limits the number of visited operations so a hostile program cannot make a walk run forever.
constexpr uint64_t kMaxDfxSteps = 200'000'000;

absl::Status WalkDfx(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops,
                     const ShapeTable& shapes, DfxVisitor& visitor);

// Steps a kernel would take, without visiting: for validation and progress reporting.
absl::StatusOr<uint64_t> CountDfxSteps(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops);

}  // namespace kpu

#endif  // KPU_IR_DFX_WALK_H_
