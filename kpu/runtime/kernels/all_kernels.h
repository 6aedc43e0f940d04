// One registration function per kernel family file; kernels.cc calls each once.
#ifndef KPU_RUNTIME_KERNELS_ALL_KERNELS_H_
#define KPU_RUNTIME_KERNELS_ALL_KERNELS_H_

#include "kpu/runtime/kernels.h"

namespace kpu::runtime {

void RegisterMatmulKernels(KernelRegistry& r);       // matmul.cc
void RegisterElementwiseKernels(KernelRegistry& r);  // elementwise.cc
void RegisterConvKernels(KernelRegistry& r);         // conv.cc
void RegisterConvTransposeKernels(KernelRegistry& r);  // conv_transpose.cc
void RegisterPoolKernels(KernelRegistry& r);         // pool.cc
void RegisterNormKernels(KernelRegistry& r);         // norm.cc
void RegisterShapeKernels(KernelRegistry& r);        // shape.cc
void RegisterReduceKernels(KernelRegistry& r);       // reduce.cc
void RegisterSoftmaxKernels(KernelRegistry& r);      // softmax.cc
void RegisterResizeKernels(KernelRegistry& r);       // resize.cc

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_ALL_KERNELS_H_
