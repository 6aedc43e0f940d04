// One registration function per op family file in kpu/ir/ops/; all_ops.cc calls each of them.
// To find every facet of an op, grep its name: the OpDef is in the family file listed here.
#ifndef KPU_IR_OPS_ALL_OPS_H_
#define KPU_IR_OPS_ALL_OPS_H_

#include "kpu/ir/op_registry.h"

namespace kpu::ops {

void RegisterMatmulOps(OpRegistry& r);       // matmul.cc: matmul, linear
void RegisterElementwiseOps(OpRegistry& r);  // elementwise.cc: activations, clamp, add/sub/mul/div
void RegisterConvOps(OpRegistry& r);         // conv.cc: conv2d, conv_transpose2d
void RegisterPoolOps(OpRegistry& r);         // pool.cc: max/avg/adaptive pooling
void RegisterNormOps(OpRegistry& r);         // norm.cc: batch_norm
void RegisterShapeOps(OpRegistry& r);        // shape.cc: reshape, permute, concat, split, slice, pad
void RegisterReduceOps(OpRegistry& r);       // reduce.cc: mean, sum, amax
void RegisterSoftmaxOps(OpRegistry& r);      // softmax.cc: softmax, log_softmax
void RegisterResizeOps(OpRegistry& r);       // resize.cc: upsample_nearest2d, upsample_bilinear2d

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_ALL_OPS_H_
