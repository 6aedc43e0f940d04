// Helpers the op families share: attribute access with defaults and length checks, dtype and rank
// checks, and overflow-checked shape arithmetic. Messages say what is wrong; the registry prefixes
// them with the node and op.
#ifndef KPU_IR_OPS_OP_UTIL_H_
#define KPU_IR_OPS_OP_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/op_registry.h"
#include "kpu/ir/shape.h"

namespace kpu::ops {

extern const std::vector<ir::DataType> kFloatTypes;

// An int-list attribute of exactly `length` values (any length when length < 0), or `fallback`.
absl::StatusOr<std::vector<int64_t>> GetInts(const AttrMap& attrs, const std::string& name,
                                             const std::vector<int64_t>& fallback, int length);
bool HasAttr(const AttrMap& attrs, const std::string& name);

absl::Status SameDType(const std::vector<TensorType>& in);
absl::Status RequireRank(const Shape& shape, size_t rank, const std::string& what);
// Every value >= minimum; `what` names the attribute.
absl::Status RequireAtLeast(const std::vector<int64_t>& values, int64_t minimum, const std::string& what);
// One of `allowed`, for string attributes such as activation.
absl::Status RequireOneOf(const std::string& value, const std::vector<std::string>& allowed,
                          const std::string& what);

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b);
absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b);
// The element count of a shape with non-negative dims; error on overflow of int64.
absl::StatusOr<int64_t> CheckedNumElements(const Shape& shape);

// The epilogue activations conv2d and matmul accept.
const std::vector<std::string>& EpilogueActivations();

inline std::vector<TensorType> One(ir::DataType dtype, Shape shape) {
  return {TensorType{dtype, std::move(shape)}};
}

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_OP_UTIL_H_
