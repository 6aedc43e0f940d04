// Errors that users see, in the words of seed 004. Every layer returns absl::Status; the kind of
// failure travels as a payload so the C ABI can map it to a kpu_status without parsing messages.
#ifndef KPU_IR_ERRORS_H_
#define KPU_IR_ERRORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace kpu {

enum class ErrorKind {
  kNone = 0,
  kInvalidArgument,
  kUnsupportedOp,
  kCompilation,
  kMemoryExceeded,
  kShapeMismatch,
  kInvalidProgram,
  kIo,
  kUnimplemented,
  kInternal,
};

absl::Status MakeError(ErrorKind kind, const std::string& message);
ErrorKind KindOf(const absl::Status& status);

// "Unsupported operators: InstanceNorm, GroupNorm"
absl::Status UnsupportedOpsError(const std::vector<std::string>& ops);
// "SRAM memory exceeded: 512KB required, 256KB available"
absl::Status MemoryExceededError(const std::string& memory, uint64_t required_bytes,
                                 uint64_t available_bytes, const std::string& where);
// "Input shape mismatch: expected (1,3,224,224), got (1,3,640,640)"
absl::Status ShapeMismatchError(const std::string& what, const std::vector<int64_t>& expected,
                                const std::vector<int64_t>& got);
absl::Status InvalidProgramError(const std::string& message);
absl::Status CompilationError(const std::string& message);
absl::Status InvalidArgumentError(const std::string& message);
absl::Status IoError(const std::string& message);
absl::Status UnimplementedError(const std::string& message);

// "(1,3,224,224)"
std::string FormatShape(const std::vector<int64_t>& shape);
// "512KB" for whole kibibytes, else "1234B"
std::string FormatBytes(uint64_t bytes);

}  // namespace kpu

#define KPU_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::absl::Status _kpu_status = (expr);     \
    if (!_kpu_status.ok()) return _kpu_status; \
  } while (0)

#define KPU_CONCAT_INNER(a, b) a##b
#define KPU_CONCAT(a, b) KPU_CONCAT_INNER(a, b)
#define KPU_ASSIGN_OR_RETURN(lhs, expr) \
  KPU_ASSIGN_OR_RETURN_IMPL(KPU_CONCAT(_kpu_statusor_, __LINE__), lhs, expr)
#define KPU_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // KPU_IR_ERRORS_H_
