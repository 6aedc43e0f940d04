// softmax and log_softmax along any axis, max-subtracted for stability.
#include <cmath>

#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

template <bool kLog>
absl::Status Softmax(const char* op, const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  const Shape& s = args.inputs[0].shape;
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, s));
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(args.attributes, "axis", -1), static_cast<int64_t>(s.size())));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t len = s[axis];
  const float* x = args.inputs[0].as<float>();
  float* y = args.output().as<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float mx = -INFINITY;
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, x[base + j * inner]);
      double sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        const float e = std::exp(x[base + j * inner] - mx);
        if (!kLog) y[base + j * inner] = e;
        sum += e;
      }
      if (kLog) {
        const float shift = mx + static_cast<float>(std::log(sum));
        for (int64_t j = 0; j < len; ++j) y[base + j * inner] = x[base + j * inner] - shift;
      } else {
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t j = 0; j < len; ++j) y[base + j * inner] *= inv;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status SoftmaxF32(const KernelArgs& a) { return Softmax<false>("softmax", a); }
absl::Status LogSoftmaxF32(const KernelArgs& a) { return Softmax<true>("log_softmax", a); }

}  // namespace

void RegisterSoftmaxKernels(KernelRegistry& r) {
  r.Add("softmax", ir::FLOAT32, SoftmaxF32);
  r.Add("log_softmax", ir::FLOAT32, LogSoftmaxF32);
}

}  // namespace kpu::runtime
