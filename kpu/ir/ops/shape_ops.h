// Shape ops' attribute rules shared by the registry and the kernels.
#ifndef KPU_IR_OPS_SHAPE_OPS_H_
#define KPU_IR_OPS_SHAPE_OPS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::ops {

struct SliceRange {
  int64_t axis = 0, start = 0, step = 1, length = 0;
};
// x[..., start:end:step] along `axis`, start and end clamped as Python clamps them.
absl::StatusOr<SliceRange> SliceRangeOf(const AttrMap& attrs, const Shape& x);

// pads = [d0_begin, d1_begin, ..., d0_end, d1_end, ...] for a tensor of rank `rank`.
absl::StatusOr<std::vector<int64_t>> PadsOf(const AttrMap& attrs, size_t rank);

// The reduced axes, sorted and distinct (every axis when `axes` is absent or empty).
absl::StatusOr<std::vector<int64_t>> ReduceAxesOf(const AttrMap& attrs, size_t rank);

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_SHAPE_OPS_H_
