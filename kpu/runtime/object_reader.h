// `.kpu` bytes -> Program, validated: the container (magic, version, bounds, checksums), each
// section's protobuf, and the program's consistency (see validator.h). Never crashes on hostile
// input; every rejection says what is wrong.
#ifndef KPU_RUNTIME_OBJECT_READER_H_
#define KPU_RUNTIME_OBJECT_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/program.h"

namespace kpu::runtime {

absl::StatusOr<Program> ReadObject(const std::string& bytes);
absl::StatusOr<Program> ReadObjectFile(const std::string& path);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_OBJECT_READER_H_
