#include "kpu/ir/dtype.h"

#include "kpu/ir/errors.h"

namespace kpu {

size_t DTypeSize(ir::DataType dtype) {
  switch (dtype) {
    case ir::FLOAT32: return 4;
    case ir::FLOAT16: return 2;
    case ir::BFLOAT16: return 2;
    case ir::INT8: return 1;
    case ir::UINT8: return 1;
    case ir::INT32: return 4;
    case ir::INT64: return 8;
    case ir::BOOL: return 1;
    default: return 0;
  }
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
