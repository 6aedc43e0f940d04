// The fast path's one single-precision GEMM, row-major: C = op(A) * op(B) + beta * C.
//
// Two libraries, one thread pool. oneDNN's sgemm runs on the OpenMP threads its convolutions use;
// OpenBLAS keeps a pool of its own whose threads spin (sched_yield) for a while after each
// multi-threaded call, and on two cores they took half of the machine from the next
// convolution: one 1x1280x1000 classifier GEMM per MobileNetV2 call made the whole call about
// twice as slow. So GEMMs large enough for OpenBLAS to thread go to oneDNN, and the small ones,
// which OpenBLAS runs on the calling thread faster than oneDNN sets up, stay with it.
#ifndef KPU_RUNTIME_KERNELS_GEMM_H_
#define KPU_RUNTIME_KERNELS_GEMM_H_

#include <cstdint>

#include "absl/status/status.h"

namespace kpu::runtime {

// Multiply-adds below which OpenBLAS 0.3 runs a GEMM on one thread (its GEMM_MULTITHREAD_THRESHOLD
// of 4 times 65536).
constexpr double kOpenBlasSingleThreadMacs = 4.0 * 65536.0;

// `op` names the kernel in an error (oneDNN reports bad arguments as a status).
absl::Status Sgemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_GEMM_H_
