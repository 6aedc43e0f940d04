#include "kpu/ir/ops/op_util.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/errors.h"

namespace kpu::ops {

const std::vector<ir::DataType> kFloatTypes = {ir::FLOAT32};

bool HasAttr(const AttrMap& attrs, const std::string& name) { return attrs.find(name) != attrs.end(); }

absl::StatusOr<std::vector<int64_t>> GetInts(const AttrMap& attrs, const std::string& name,
                                             const std::vector<int64_t>& fallback, int length) {
  auto it = attrs.find(name);
  if (it == attrs.end()) return fallback;
  if (!it->second.has_ints()) return InvalidArgumentError(absl::StrCat("attribute '", name, "' must be a list of ints"));
  std::vector<int64_t> v(it->second.ints().values().begin(), it->second.ints().values().end());
  if (length >= 0 && static_cast<int>(v.size()) != length) {
    return InvalidArgumentError(absl::StrCat("attribute '", name, "' needs ", length, " values, got ", v.size()));
  }
  return v;
}

absl::Status SameDType(const std::vector<TensorType>& in) {
  for (const TensorType& t : in) {
    if (t.dtype != in[0].dtype) return InvalidArgumentError("inputs have different dtypes");
  }
  return absl::OkStatus();
}

absl::Status RequireRank(const Shape& shape, size_t rank, const std::string& what) {
  if (shape.size() != rank) {
    return InvalidArgumentError(absl::StrCat(what, " must have rank ", rank, ", got ", FormatShape(shape)));
  }
  return absl::OkStatus();
}

absl::Status RequireAtLeast(const std::vector<int64_t>& values, int64_t minimum, const std::string& what) {
  for (int64_t v : values) {
    if (v < minimum) {
      return InvalidArgumentError(absl::StrCat(what, " must be ", minimum == 1 ? "positive" : absl::StrCat(">= ", minimum),
                                               ", got (", absl::StrJoin(values, ","), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status RequireOneOf(const std::string& value, const std::vector<std::string>& allowed, const std::string& what) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    return InvalidArgumentError(absl::StrCat(what, " '", value, "' is not one of ", absl::StrJoin(allowed, ", ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) {
    return InvalidArgumentError(absl::StrCat("size arithmetic overflows: ", a, " * ", b));
  }
  return r;
}

absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) {
    return InvalidArgumentError(absl::StrCat("size arithmetic overflows: ", a, " + ", b));
  }
  return r;
}

absl::StatusOr<int64_t> CheckedNumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgumentError(absl::StrCat("shape ", FormatShape(shape), " has a negative dimension"));
    if (__builtin_mul_overflow(n, d, &n)) {
      return InvalidArgumentError(absl::StrCat("shape ", FormatShape(shape), " has more elements than fit in 64 bits"));
    }
  }
  return n;
}

const std::vector<std::string>& EpilogueActivations() {
  static const auto* acts =
      new std::vector<std::string>{"none", "relu", "relu6", "silu", "hardswish", "sigmoid"};
  return *acts;
}

}  // namespace kpu::ops
