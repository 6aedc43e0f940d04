#include "kpu/ir/limits.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"

namespace kpu {

absl::StatusOr<uint64_t> CheckTensorSize(const std::string& name, ir::DataType dtype,
                                         const google::protobuf::RepeatedField<int64_t>& shape) {
  const std::string what = absl::StrCat("tensor '", name, "' of shape [", absl::StrJoin(shape, ", "), "]");
  if (shape.size() > kMaxTensorRank) {
    return InvalidArgumentError(absl::StrCat(what, " has rank ", shape.size(), ", more than ", kMaxTensorRank));
  }
  if (DTypeBits(dtype) == 0) return InvalidArgumentError(absl::StrCat(what, " has no dtype"));
  // Elements are bounded by the byte limit (every dtype has at least 4 bits), so the product
  // stays far from overflow as long as each step is checked against it.
  uint64_t elements = 1;
  for (int64_t d : shape) {
    if (d <= 0) return InvalidArgumentError(absl::StrCat(what, " has a dimension that is not positive"));
    if (static_cast<uint64_t>(d) > 2 * kMaxTensorBytes || elements > 2 * kMaxTensorBytes / static_cast<uint64_t>(d)) {
      elements = 2 * kMaxTensorBytes + 1;
      break;
    }
    elements *= static_cast<uint64_t>(d);
  }
  auto bytes = BytesFor(dtype, static_cast<int64_t>(elements));
  if (!bytes.ok() || *bytes > kMaxTensorBytes) {
    return InvalidArgumentError(absl::StrCat(what, " is too large: more than the ", kMaxTensorBytes,
                                             " bytes (8 GiB) a tensor may have"));
  }
  return *bytes;
}

}  // namespace kpu
