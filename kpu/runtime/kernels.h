// Functional kernels: the values of each registry op, on dense row-major fp32 tensors. The fast
// path runs them on whole tensors; the DFX interpreter runs the same kernels on tiles.
#ifndef KPU_RUNTIME_KERNELS_H_
#define KPU_RUNTIME_KERNELS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::runtime {

struct TensorView {
  Shape shape;
  float* data = nullptr;
};

struct ConstTensorView {
  Shape shape;
  const float* data = nullptr;
};

struct KernelArgs {
  const AttrMap& attributes;
  std::vector<ConstTensorView> inputs;
  TensorView output;
  // Add to the output instead of overwriting it (the DFX accumulate flag for MATMUL_TILE).
  bool accumulate = false;
};

using KernelFn = std::function<absl::Status(const KernelArgs& args)>;

// Keyed by registry op name.
const std::map<std::string, KernelFn>& Kernels();

absl::Status MatmulKernel(const KernelArgs& args);
absl::Status LinearKernel(const KernelArgs& args);
absl::Status AddKernel(const KernelArgs& args);
absl::Status ReluKernel(const KernelArgs& args);
absl::Status SoftmaxKernel(const KernelArgs& args);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_H_
