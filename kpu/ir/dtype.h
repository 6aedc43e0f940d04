#ifndef KPU_IR_DTYPE_H_
#define KPU_IR_DTYPE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/graph.pb.h"

namespace kpu {

// Bytes per element; 0 for DTYPE_UNSPECIFIED.
size_t DTypeSize(ir::DataType dtype);
// "float32", "int8", ...: the names users write in .dfg JSON and see in messages.
std::string DTypeName(ir::DataType dtype);
absl::StatusOr<ir::DataType> ParseDType(const std::string& name);

}  // namespace kpu

#endif  // KPU_IR_DTYPE_H_
