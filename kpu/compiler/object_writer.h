// Program -> `.kpu` bytes (the container in kpu/ir/object_format.h), and the JSON view.
#ifndef KPU_COMPILER_OBJECT_WRITER_H_
#define KPU_COMPILER_OBJECT_WRITER_H_

#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/program.h"

namespace kpu::compiler {

std::string WriteObject(const Program& program);
absl::Status WriteObjectFile(const Program& program, const std::string& path);
// The program's sections as one JSON document (weights are summarized, not dumped).
absl::StatusOr<std::string> ProgramToJson(const Program& program);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_OBJECT_WRITER_H_
