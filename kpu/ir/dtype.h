#ifndef KPU_IR_DTYPE_H_
#define KPU_IR_DTYPE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/graph.pb.h"

namespace kpu {

// Bytes per element; 0 for DTYPE_UNSPECIFIED and for sub-byte types (INT4), whose sizes only
// BytesFor can give.
size_t DTypeSize(ir::DataType dtype);
// Bits per element (4 for INT4); 0 for DTYPE_UNSPECIFIED.
int DTypeBits(ir::DataType dtype);
// The bytes `elements` elements occupy, packed types rounded up to whole bytes; an error when
// the count is negative, the dtype is unspecified, or the size overflows.
absl::StatusOr<uint64_t> BytesFor(ir::DataType dtype, int64_t elements);
bool IsFloatDType(ir::DataType dtype);
// "float32", "int8", ...: the names users write in .dfg JSON and see in messages.
std::string DTypeName(ir::DataType dtype);
absl::StatusOr<ir::DataType> ParseDType(const std::string& name);

}  // namespace kpu

#endif  // KPU_IR_DTYPE_H_
