// Runs fp32 kernels on std::vector buffers for the kernel tests.
#ifndef KPU_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
#define KPU_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels.h"

namespace kpu::runtime::testing {

struct F32Tensor {
  Shape shape;
  std::vector<float> data;
  F32Tensor() = default;
  F32Tensor(Shape s) : shape(std::move(s)), data(NumElements(shape), 0.0f) {}
  F32Tensor(Shape s, std::vector<float> d) : shape(std::move(s)), data(std::move(d)) {}
  // Deterministic values in [-scale, scale], different per seed.
  static F32Tensor Wave(Shape s, float seed, float scale = 1.0f) {
    F32Tensor t(std::move(s));
    for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = scale * std::sin(0.37f * i + seed);
    return t;
  }
};

struct Attrs {
  AttrMap map;
  Attrs& Int(const std::string& n, int64_t v) { map[n].set_i(v); return *this; }
  Attrs& Float(const std::string& n, double v) { map[n].set_f(v); return *this; }
  Attrs& Str(const std::string& n, const std::string& v) { map[n].set_s(v); return *this; }
  Attrs& Ints(const std::string& n, const std::vector<int64_t>& v) {
    for (int64_t x : v) map[n].mutable_ints()->add_values(x);
    return *this;
  }
};

inline absl::Status RunOp(const std::string& op, const Attrs& attrs, const std::vector<const F32Tensor*>& in,
                        const std::vector<F32Tensor*>& out, bool accumulate = false) {
  std::vector<ConstTensorView> inputs;
  for (const F32Tensor* t : in) inputs.push_back({ir::FLOAT32, t->shape, t->data.data()});
  std::vector<TensorView> outputs;
  for (F32Tensor* t : out) outputs.push_back({ir::FLOAT32, t->shape, t->data.data()});
  return RunKernel(op, KernelArgs{attrs.map, inputs, outputs, accumulate});
}

// Runs a kernel on a DFX tile: `in` holds the rows [in_row, + in.shape[2]) of a tensor shaped
// `x_whole`, `out` the rows [out_row, + out.shape[2]) of one shaped `y_whole` (whole columns).
inline absl::Status RunRowTile(const std::string& op, const Attrs& attrs, const F32Tensor& in, int64_t in_row,
                               const Shape& x_whole, F32Tensor* out, int64_t out_row, const Shape& y_whole) {
  std::vector<ConstTensorView> inputs = {{ir::FLOAT32, in.shape, in.data.data()}};
  inputs[0].position = {{0, 0, in_row, 0}, {1, 1, 1, 1}, x_whole};
  std::vector<TensorView> outputs = {{ir::FLOAT32, out->shape, out->data.data()}};
  outputs[0].position = {{0, 0, out_row, 0}, {1, 1, 1, 1}, y_whole};
  return RunKernel(op, KernelArgs{attrs.map, inputs, outputs, false});
}

// Rows [first, first + count) of a rank-4 tensor (rows past its end read as 0).
inline F32Tensor Rows(const F32Tensor& t, int64_t first, int64_t count) {
  F32Tensor r({t.shape[0], t.shape[1], count, t.shape[3]});
  const int64_t planes = t.shape[0] * t.shape[1], h = t.shape[2], w = t.shape[3];
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < count; ++i) {
      if (first + i < 0 || first + i >= h) continue;
      std::copy_n(t.data.begin() + (p * h + first + i) * w, w, r.data.begin() + (p * count + i) * w);
    }
  }
  return r;
}

inline void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], tol * std::max(1.0, std::fabs(static_cast<double>(want[i])))) << "at " << i;
    }
  }
}

}  // namespace kpu::runtime::testing

#endif  // KPU_RUNTIME_KERNELS_KERNEL_TEST_UTIL_H_
