// What the handles in kpu.h are, and the one way every entry point turns a C++ result into a
// kpu_status: ABI_GUARD catches every exception, and SetError keeps the message per thread.
#ifndef KPU_C_API_C_API_INTERNAL_H_
#define KPU_C_API_C_API_INTERNAL_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "kpu/c_api/kpu.h"
#include "kpu/cost/op_cost.h"
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
  // What kpu_program_op_estimate needs of the tensor table, built once on first use (a program
  // is shared by threads, hence the once_flag), so estimating every op is linear, not quadratic.
  mutable std::once_flag tensors_once;
  mutable kpu::cost::ProgramTensors tensors;

  const kpu::cost::ProgramTensors& Tensors() const {
    std::call_once(tensors_once, [this] { tensors = kpu::cost::TensorsOf(program.proto.tensors()); });
    return tensors;
  }
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

// KPU_ERROR_IO naming `fn` if `path` exists but is a directory or another non-regular file,
// which a stream opens and then reads as empty. `what` says what was expected ("a graph file").
kpu_status CheckRegularFile(const char* fn, const char* path, const char* what);

// The enum values kpu.h lists. A C caller can pass any int; these run before a value is cast
// to a C++ or protobuf enum.
inline bool IsTensorDtype(kpu_dtype d) { return d >= KPU_DTYPE_FLOAT32 && d <= KPU_DTYPE_BOOL; }
inline bool IsDataflow(kpu_dataflow d) { return d >= KPU_DATAFLOW_AUTO && d <= KPU_DATAFLOW_INPUT_STATIONARY; }
inline bool IsMode(kpu_mode m) { return m >= KPU_MODE_FUNCTIONAL && m <= KPU_MODE_POWER_TRACE; }
inline bool IsEngine(kpu_engine e) { return e >= KPU_ENGINE_FAST && e <= KPU_ENGINE_DFX_INTERPRETER_REORDERED; }

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

// "kpu_compile: out is NULL": the message names the entry point (__func__ is the extern "C"
// function ABI_GUARD runs in) and the argument, as kpu.h promises.
#define ABI_REQUIRE_NOT_NULL(arg)                                                                  \
  if ((arg) == nullptr)                                                                            \
  return ::kpu::c_api::Fail(KPU_ERROR_INVALID_ARGUMENT, std::string(__func__) + ": " #arg " is NULL")

#endif  // KPU_C_API_C_API_INTERNAL_H_
