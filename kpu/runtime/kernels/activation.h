// The scalar math of the activations, exactly as PyTorch defines them. Shared by the elementwise
// kernels and by the fused epilogues of matmul and conv2d (when oneDNN does not apply them).
#ifndef KPU_RUNTIME_KERNELS_ACTIVATION_H_
#define KPU_RUNTIME_KERNELS_ACTIVATION_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace kpu::runtime {

inline float Relu(float x) { return x > 0.0f ? x : 0.0f; }
inline float Relu6(float x) { return std::min(std::max(x, 0.0f), 6.0f); }
inline float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
inline float Silu(float x) { return x / (1.0f + std::exp(-x)); }
inline float Hardsigmoid(float x) { return std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
inline float Hardswish(float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
inline float GeluErf(float x) { return 0.5f * x * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2))); }
inline float GeluTanh(float x) {
  const float k = static_cast<float>(M_2_SQRTPI * M_SQRT1_2);  // sqrt(2 / pi)
  return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

// Applies a fused epilogue activation (none relu relu6 silu hardswish sigmoid) in place.
absl::Status ApplyActivation(const std::string& activation, float* data, int64_t n);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_ACTIVATION_H_
