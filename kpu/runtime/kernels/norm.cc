// batch_norm in eval mode over dim 1: y = (x - mean) / sqrt(var + eps) * weight + bias, as one
// scale and shift per channel.
#include <cmath>
#include <vector>

#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

absl::Status BatchNormF32(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("batch_norm", args, 5, 5));
  KPU_RETURN_IF_ERROR(NoAccumulate("batch_norm", args));
  const Shape& x = args.inputs[0].shape;
  if (x.size() < 2) return InvalidArgumentError("batch_norm kernel: input must have rank >= 2");
  KPU_RETURN_IF_ERROR(ExpectShape("batch_norm", "output", args.output().shape, x));
  const int64_t c = x[1];
  for (int i = 1; i < 5; ++i) KPU_RETURN_IF_ERROR(ExpectShape("batch_norm", "statistic", args.inputs[i].shape, {c}));
  const double eps = GetFloat(args.attributes, "epsilon", 1e-5);
  const float *w = args.inputs[1].as<float>(), *b = args.inputs[2].as<float>(), *mean = args.inputs[3].as<float>(),
              *var = args.inputs[4].as<float>();
  std::vector<float> scale(c), shift(c);
  for (int64_t i = 0; i < c; ++i) {
    const float invstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var[i]) + eps));
    scale[i] = w[i] * invstd;
    shift[i] = b[i] - mean[i] * scale[i];
  }
  const int64_t inner = NumElements(Shape(x.begin() + 2, x.end()));
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(x[0] * c, inner, [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const int64_t base = plane * inner;
      const float s = scale[plane % c], t = shift[plane % c];
      for (int64_t j = 0; j < inner; ++j) py[base + j] = px[base + j] * s + t;
    }
  });
  return absl::OkStatus();
}

}  // namespace

void RegisterNormKernels(KernelRegistry& r) { r.Add("batch_norm", ir::FLOAT32, BatchNormF32); }

}  // namespace kpu::runtime
