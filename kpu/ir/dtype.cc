#include "kpu/ir/dtype.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"

namespace kpu {

int DTypeBits(ir::DataType dtype) {
  switch (dtype) {
    case ir::FLOAT32: return 32;
    case ir::FLOAT16: return 16;
    case ir::BFLOAT16: return 16;
    case ir::INT8: return 8;
    case ir::UINT8: return 8;
    case ir::INT32: return 32;
    case ir::INT64: return 64;
    case ir::BOOL: return 8;
    case ir::INT4: return 4;
    default: return 0;
  }
}

size_t DTypeSize(ir::DataType dtype) {
  const int bits = DTypeBits(dtype);
  return bits % 8 == 0 ? static_cast<size_t>(bits / 8) : 0;
}

absl::StatusOr<uint64_t> BytesFor(ir::DataType dtype, int64_t elements) {
  const int bits = DTypeBits(dtype);
  if (bits == 0) return InvalidArgumentError("a tensor has no dtype");
  if (elements < 0) return InvalidArgumentError(absl::StrCat("negative element count ", elements));
  const uint64_t n = static_cast<uint64_t>(elements);
  // Sizes stay below 2^63 so that they also fit the signed offsets kernels compute with.
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (bits < 8) {
    const uint64_t per_byte = 8 / bits;
    return n / per_byte + (n % per_byte != 0 ? 1 : 0);
  }
  const uint64_t size = static_cast<uint64_t>(bits / 8);
  if (n > kMax / size) {
    return InvalidArgumentError(absl::StrCat("a ", DTypeName(dtype), " tensor of ", elements,
                                             " elements is larger than 2^63 bytes"));
  }
  return n * size;
}

bool IsFloatDType(ir::DataType dtype) {
  return dtype == ir::FLOAT32 || dtype == ir::FLOAT16 || dtype == ir::BFLOAT16;
}

std::string DTypeName(ir::DataType dtype) {
  switch (dtype) {
    case ir::FLOAT32: return "float32";
    case ir::FLOAT16: return "float16";
    case ir::BFLOAT16: return "bfloat16";
    case ir::INT8: return "int8";
    case ir::UINT8: return "uint8";
    case ir::INT32: return "int32";
    case ir::INT64: return "int64";
    case ir::BOOL: return "bool";
    case ir::INT4: return "int4";
    default: return "unspecified";
  }
}

absl::StatusOr<ir::DataType> ParseDType(const std::string& name) {
  for (int d = ir::DataType_MIN; d <= ir::DataType_MAX; ++d) {
    auto dtype = static_cast<ir::DataType>(d);
    if (dtype != ir::DTYPE_UNSPECIFIED && DTypeName(dtype) == name) return dtype;
  }
  return InvalidArgumentError("Unknown dtype '" + name + "'");
}

}  // namespace kpu
