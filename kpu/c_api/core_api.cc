// Status, errors, versions, buffers, dtypes and the op registry.
#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"

#include "kpu/c_api/c_api_internal.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/op_registry.h"

namespace kpu::c_api {
namespace {

thread_local std::string last_error;

}  // namespace

kpu_status Fail(kpu_status code, const std::string& message) {
  last_error = message;
  return code;
}

void ClearError() { last_error.clear(); }

kpu_status Succeed() { return KPU_OK; }

kpu_status ToStatus(const absl::Status& status) {
  if (status.ok()) return KPU_OK;
  kpu_status code = KPU_ERROR_INTERNAL;
  switch (KindOf(status)) {
    case ErrorKind::kNone: code = KPU_OK; break;
    case ErrorKind::kInvalidArgument: code = KPU_ERROR_INVALID_ARGUMENT; break;
    case ErrorKind::kUnsupportedOp: code = KPU_ERROR_UNSUPPORTED_OP; break;
    case ErrorKind::kCompilation: code = KPU_ERROR_COMPILATION; break;
    case ErrorKind::kMemoryExceeded: code = KPU_ERROR_MEMORY_EXCEEDED; break;
    case ErrorKind::kShapeMismatch: code = KPU_ERROR_SHAPE_MISMATCH; break;
    case ErrorKind::kInvalidProgram: code = KPU_ERROR_INVALID_PROGRAM; break;
    case ErrorKind::kIo: code = KPU_ERROR_IO; break;
    case ErrorKind::kUnimplemented: code = KPU_ERROR_UNIMPLEMENTED; break;
    case ErrorKind::kInternal: code = KPU_ERROR_INTERNAL; break;
  }
  return Fail(code, std::string(status.message()));
}

kpu_buffer* NewBuffer(std::string bytes) { return new kpu_buffer{std::move(bytes)}; }

kpu_status CheckRegularFile(const char* fn, const char* path, const char* what) {
  struct stat st;
  if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) return KPU_OK;  // a missing file fails on open
  return Fail(KPU_ERROR_IO, absl::StrCat(fn, ": path '", path, "' is ",
                                         S_ISDIR(st.st_mode) ? "a directory" : "not a regular file", ", not ", what));
}

}  // namespace kpu::c_api

extern "C" {

const char* kpu_last_error(void) { return kpu::c_api::last_error.c_str(); }

const char* kpu_status_name(kpu_status status) {
  switch (status) {
    case KPU_OK: return "KPU_OK";
    case KPU_ERROR_INVALID_ARGUMENT: return "KPU_ERROR_INVALID_ARGUMENT";
    case KPU_ERROR_UNSUPPORTED_OP: return "KPU_ERROR_UNSUPPORTED_OP";
    case KPU_ERROR_COMPILATION: return "KPU_ERROR_COMPILATION";
    case KPU_ERROR_MEMORY_EXCEEDED: return "KPU_ERROR_MEMORY_EXCEEDED";
    case KPU_ERROR_SHAPE_MISMATCH: return "KPU_ERROR_SHAPE_MISMATCH";
    case KPU_ERROR_INVALID_PROGRAM: return "KPU_ERROR_INVALID_PROGRAM";
    case KPU_ERROR_IO: return "KPU_ERROR_IO";
    case KPU_ERROR_UNIMPLEMENTED: return "KPU_ERROR_UNIMPLEMENTED";
    case KPU_ERROR_INTERNAL: return "KPU_ERROR_INTERNAL";
  }
  return "KPU_STATUS_UNKNOWN";
}

uint32_t kpu_api_version(void) { return KPU_API_VERSION; }
const char* kpu_version(void) { return "0.1.0"; }

const void* kpu_buffer_data(const kpu_buffer* buffer) { return buffer ? buffer->bytes.data() : nullptr; }
size_t kpu_buffer_size(const kpu_buffer* buffer) { return buffer ? buffer->bytes.size() : 0; }
void kpu_buffer_destroy(kpu_buffer* buffer) { delete buffer; }

size_t kpu_dtype_size(kpu_dtype dtype) {
  if (!kpu::c_api::IsTensorDtype(dtype)) return 0;
  return kpu::DTypeSize(static_cast<kpu::ir::DataType>(dtype));
}

size_t kpu_op_count(void) {
  try {
    return kpu::OpRegistry::Global().Names().size();
  } catch (...) {
    return 0;
  }
}

const char* kpu_op_name(size_t index) {
  try {
    static const std::vector<std::string>* names = new std::vector<std::string>(kpu::OpRegistry::Global().Names());
    return index < names->size() ? (*names)[index].c_str() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

}  // extern "C"
