// matmul (batched, broadcasting) and linear: the shapes every layer agrees on.
#ifndef KPU_IR_OPS_MATMUL_H_
#define KPU_IR_OPS_MATMUL_H_

#include "absl/status/statusor.h"
#include "kpu/ir/shape.h"

namespace kpu::ops {

struct MatmulShape {
  Shape batch;     // broadcast batch dims of the output
  Shape a_batch;   // A's batch dims, left-padded with 1 to batch's rank
  Shape b_batch;   // B's, likewise (all 1 when B has rank 2)
  int64_t m = 0, k = 0, n = 0;
};

// A[..., M, K] x B[..., K, N] (B[..., N, K] when transpose_b).
absl::StatusOr<MatmulShape> MatmulShapeOf(const Shape& a, const Shape& b, bool transpose_b);

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_MATMUL_H_
