#include "kpu/runtime/object_reader.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/object_format.h"
#include "kpu/runtime/validator.h"

namespace kpu::runtime {

absl::StatusOr<Program> ReadObject(const std::string& bytes) {
  KPU_ASSIGN_OR_RETURN(std::vector<Section> sections, DecodeContainer(bytes));
  Program program;
  ir::KPUProgram& p = program.proto;
  bool have[7] = {};
  for (const Section& s : sections) {
    const uint32_t type = static_cast<uint32_t>(s.type);
    have[type] = true;
    bool ok = true;
    switch (s.type) {
      case SectionType::kMetadata: ok = p.mutable_metadata()->ParseFromString(s.bytes); break;
      case SectionType::kTensors: ok = p.mutable_tensors()->ParseFromString(s.bytes); break;
      case SectionType::kOperations: ok = p.mutable_operations()->ParseFromString(s.bytes); break;
      case SectionType::kDependencies: ok = p.mutable_dependencies()->ParseFromString(s.bytes); break;
      case SectionType::kHints: ok = p.mutable_hints()->ParseFromString(s.bytes); break;
      case SectionType::kWeights: program.weights = s.bytes; break;
    }
    if (!ok) return InvalidProgramError(absl::StrCat("section ", SectionName(type), " is not a valid protobuf message"));
  }
  for (SectionType required : {SectionType::kMetadata, SectionType::kTensors, SectionType::kOperations,
                               SectionType::kWeights}) {
    if (!have[static_cast<uint32_t>(required)]) {
      return InvalidProgramError(absl::StrCat("required section ", SectionName(static_cast<uint32_t>(required)), " is missing"));
    }
  }
  KPU_RETURN_IF_ERROR(ValidateProgram(program));
  return program;
}

absl::StatusOr<Program> ReadObjectFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(absl::StrCat("cannot open '", path, "'"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto program = ReadObject(buffer.str());
  if (!program.ok()) {
    return MakeError(KindOf(program.status()), absl::StrCat(path, ": ", program.status().message()));
  }
  return program;
}

}  // namespace kpu::runtime
