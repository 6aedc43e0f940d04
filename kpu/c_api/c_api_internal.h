// What the handles in kpu.h are, and the one way every entry point turns a C++ result into a
// kpu_status: ABI_GUARD catches every exception, and SetError keeps the message per thread.
#ifndef KPU_C_API_C_API_INTERNAL_H_
#define KPU_C_API_C_API_INTERNAL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "kpu/c_api/kpu.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/program.h"
#include "kpu/runtime/executor.h"

struct kpu_buffer {
  std::string bytes;
};

struct kpu_config {
  kpu::ir::KPUConfig proto;
};

struct kpu_graph {
  kpu::ir::Graph proto;
};

struct kpu_program {
  kpu::Program program;
};

struct kpu_runtime {
  std::unique_ptr<kpu::runtime::Executor> executor;
};

namespace kpu::c_api {

kpu_status ToStatus(const absl::Status& status);  // also records the message
kpu_status Fail(kpu_status code, const std::string& message);
void ClearError();
kpu_status Succeed();
kpu_buffer* NewBuffer(std::string bytes);

}  // namespace kpu::c_api

// Runs `body` (which returns a kpu_status) so that no exception escapes the C ABI.
#define ABI_GUARD(...)                                                                   \
  try {                                                                                  \
    ::kpu::c_api::ClearError();                                                          \
    __VA_ARGS__                                                                          \
  } catch (const std::bad_alloc&) {                                                      \
    return ::kpu::c_api::Fail(KPU_ERROR_INTERNAL, "out of host memory");                 \
  } catch (const std::exception& e) {                                                    \
    return ::kpu::c_api::Fail(KPU_ERROR_INTERNAL, std::string("internal error: ") + e.what()); \
  } catch (...) {                                                                        \
    return ::kpu::c_api::Fail(KPU_ERROR_INTERNAL, "internal error");                     \
  }

#define ABI_REQUIRE(cond, what)                                                        \
  if (!(cond)) return ::kpu::c_api::Fail(KPU_ERROR_INVALID_ARGUMENT, what)

#endif  // KPU_C_API_C_API_INTERNAL_H_
