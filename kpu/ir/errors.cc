#include "kpu/ir/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kpu {
namespace {

constexpr char kKindPayload[] = "kpu.error_kind";

absl::StatusCode CodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return absl::StatusCode::kOk;
    case ErrorKind::kInvalidArgument: return absl::StatusCode::kInvalidArgument;
    case ErrorKind::kUnsupportedOp: return absl::StatusCode::kUnimplemented;
    case ErrorKind::kCompilation: return absl::StatusCode::kFailedPrecondition;
    case ErrorKind::kMemoryExceeded: return absl::StatusCode::kResourceExhausted;
    case ErrorKind::kShapeMismatch: return absl::StatusCode::kInvalidArgument;
    case ErrorKind::kInvalidProgram: return absl::StatusCode::kDataLoss;
    case ErrorKind::kIo: return absl::StatusCode::kNotFound;
    case ErrorKind::kUnimplemented: return absl::StatusCode::kUnimplemented;
    case ErrorKind::kInternal: return absl::StatusCode::kInternal;
  }
  return absl::StatusCode::kUnknown;
}

}  // namespace

absl::Status MakeError(ErrorKind kind, const std::string& message) {
  absl::Status status(CodeFor(kind), message);
  status.SetPayload(kKindPayload, absl::Cord(std::string(1, static_cast<char>(kind))));
  return status;
}

ErrorKind KindOf(const absl::Status& status) {
  if (status.ok()) return ErrorKind::kNone;
  auto payload = status.GetPayload(kKindPayload);
  if (payload.has_value()) {
    std::string s(*payload);
    if (s.size() == 1) return static_cast<ErrorKind>(s[0]);
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return ErrorKind::kInvalidArgument;
    case absl::StatusCode::kResourceExhausted: return ErrorKind::kMemoryExceeded;
    case absl::StatusCode::kDataLoss: return ErrorKind::kInvalidProgram;
    case absl::StatusCode::kNotFound: return ErrorKind::kIo;
    case absl::StatusCode::kUnimplemented: return ErrorKind::kUnimplemented;
    default: return ErrorKind::kInternal;
  }
}

std::string FormatShape(const std::vector<int64_t>& shape) {
  return absl::StrCat("(", absl::StrJoin(shape, ","), ")");
}

// Seed 004's forms: "512KB", "2048MB". Exact KB below 8 MB (SRAM sizes read naturally), MB above;
// a size that is not a whole unit rounds up, so "required" never understates.
std::string FormatBytes(uint64_t bytes) {
  constexpr uint64_t kKB = 1024, kMB = 1024 * 1024;
  if (bytes >= 8 * kMB) return absl::StrCat(bytes / kMB + (bytes % kMB != 0), "MB");
  if (bytes >= kKB && bytes % kKB == 0) return absl::StrCat(bytes / kKB, "KB");
  return absl::StrCat(bytes, "B");
}

absl::Status UnsupportedOpsError(const std::vector<std::string>& ops) {
  return MakeError(ErrorKind::kUnsupportedOp,
                   absl::StrCat("Unsupported operators: ", absl::StrJoin(ops, ", ")));
}

absl::Status MemoryExceededError(const std::string& memory, uint64_t required_bytes,
                                 uint64_t available_bytes, const std::string& where) {
  std::string message = absl::StrCat(memory, " memory exceeded: ", FormatBytes(required_bytes),
                                     " required, ", FormatBytes(available_bytes), " available");
  if (!where.empty()) absl::StrAppend(&message, " (", where, ")");
  return MakeError(ErrorKind::kMemoryExceeded, message);
}

absl::Status ShapeMismatchError(const std::string& what, const std::vector<int64_t>& expected,
                                const std::vector<int64_t>& got) {
  return MakeError(ErrorKind::kShapeMismatch,
                   absl::StrCat(what, " shape mismatch: expected ", FormatShape(expected),
                                ", got ", FormatShape(got)));
}

absl::Status InvalidProgramError(const std::string& message) {
  return MakeError(ErrorKind::kInvalidProgram, absl::StrCat("Invalid KPU program: ", message));
}

absl::Status CompilationError(const std::string& message) {
  return MakeError(ErrorKind::kCompilation, message);
}

absl::Status InvalidArgumentError(const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, message);
}

absl::Status IoError(const std::string& message) { return MakeError(ErrorKind::kIo, message); }

absl::Status UnimplementedError(const std::string& message) {
  return MakeError(ErrorKind::kUnimplemented, message);
}

}  // namespace kpu
