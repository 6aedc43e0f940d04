#include "kpu/compiler/object_writer.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/object_format.h"
#include "kpu/ir/proto_json.h"

namespace kpu::compiler {

std::string WriteObject(const Program& program) {
  const ir::KPUProgram& p = program.proto;
  return EncodeContainer({
      {SectionType::kMetadata, SerializeDeterministic(p.metadata())},
      {SectionType::kTensors, SerializeDeterministic(p.tensors())},
      {SectionType::kOperations, SerializeDeterministic(p.operations())},
      {SectionType::kDependencies, SerializeDeterministic(p.dependencies())},
      {SectionType::kHints, SerializeDeterministic(p.hints())},
      {SectionType::kWeights, program.weights},
  });
}

absl::Status WriteObjectFile(const Program& program, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return IoError(absl::StrCat("cannot open '", path, "' for writing"));
  const std::string bytes = WriteObject(program);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError(absl::StrCat("cannot write '", path, "'"));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ProgramToJson(const Program& program) {
  // Enum zero values (EXTERNAL, LOAD, MATMUL_TILE) are printed too.
  KPU_ASSIGN_OR_RETURN(std::string json, ToJson(program.proto, true));
  // Splice a summary of the raw weights section in as a last member.
  const size_t close = json.rfind('}');
  json.insert(close, absl::StrCat(",\n \"weights\": {\"size_bytes\": ", program.weights.size(),
                                  ", \"alignment\": ", kWeightsAlignment, "}\n"));
  return json;
}

}  // namespace kpu::compiler
