#ifndef KPU_IR_SHAPE_H_
#define KPU_IR_SHAPE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"

namespace kpu {

using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& shape);
// Tiles of size b needed to cover a (both positive).
inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
Shape ToShape(const google::protobuf::RepeatedField<int64_t>& dims);
// NumPy broadcasting of two shapes; an error names both shapes when they do not broadcast.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Resolves a possibly negative axis against a rank; error if out of range.
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank);

}  // namespace kpu

#endif  // KPU_IR_SHAPE_H_
