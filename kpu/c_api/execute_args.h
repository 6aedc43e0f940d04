// kpu_execute's tensor arguments, checked against the program before the executor sees them:
// every mistake a C caller can make with a kpu_tensor array becomes a status and a message
// naming the tensor, never a read or write outside the caller's buffers.
#ifndef KPU_C_API_EXECUTE_ARGS_H_
#define KPU_C_API_EXECUTE_ARGS_H_

#include <vector>

#include "kpu/c_api/kpu.h"
#include "kpu/ir/program.h"
#include "kpu/runtime/executor.h"

namespace kpu::c_api {

// Converts `inputs` and `outputs` (arrays whose stride is their first element's struct_size)
// into HostTensors after checking, per tensor: struct_size, name (known to the program, given
// once), dtype, rank, dims, shape, data and size; and that no output buffer overlaps another
// buffer.
kpu_status ReadExecuteTensors(const Program& program, const kpu_tensor* inputs, size_t n_inputs,
                              const kpu_tensor* outputs, size_t n_outputs, std::vector<runtime::HostTensor>* in,
                              std::vector<runtime::HostTensor>* out);

}  // namespace kpu::c_api

#endif  // KPU_C_API_EXECUTE_ARGS_H_
