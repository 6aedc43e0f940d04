// The scalar math of the activations, exactly as PyTorch defines them. Shared by the elementwise
// kernels and by the fused epilogues of matmul and conv2d (when oneDNN does not apply them).
#ifndef KPU_RUNTIME_KERNELS_ACTIVATION_H_
#define KPU_RUNTIME_KERNELS_ACTIVATION_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"

namespace kpu::runtime {

// exp(x) in a form the compiler vectorises (libm's expf is a call per element): x = n ln2 + r
// with |r| <= ln2 / 2, e^r by Cephes' degree-6 polynomial (about 1 ulp), 2^n through the exponent
// bits. Inputs are clamped to [-87, 88], where float exp neither underflows to a denormal nor
// overflows; NaN stays NaN.
inline float VecExp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // A NaN passes the clamp; converting it to an integer is undefined, so n takes 0 for it and the
  // NaN reaches the result through r.
  const float t = x == x ? x * 1.44269504088896341f : 0.0f;
  const int32_t n = static_cast<int32_t>(t + std::copysign(0.5f, t));
  const float fn = static_cast<float>(n);
  const float r = (x - fn * 0.693359375f) - fn * -2.12194440e-4f;  // ln2 in two parts, exactly
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (n + 127) << 23;
  return p * __builtin_bit_cast(float, bits);
}

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

// y = sigmoid(x) and y = silu(x) over n elements (in place when x == y): 8 lanes at a time with
// VecExp where the CPU has AVX2, libm's expf elsewhere (VecExp is slower than libm 4 lanes wide).
void SigmoidLoop(const float* x, float* y, int64_t n);
void SiluLoop(const float* x, float* y, int64_t n);

// Applies a fused epilogue activation (none relu relu6 silu hardswish sigmoid) in place.
absl::Status ApplyActivation(const std::string& activation, float* data, int64_t n);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_ACTIVATION_H_
