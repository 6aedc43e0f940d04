#include "kpu/runtime/kernels.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"

namespace kpu::runtime {
namespace {

// A[..., M, K] x B (K x N, or N x K when transposed) (+ bias, activation) -> out[..., M, N]
absl::Status Gemm(const KernelArgs& args, bool transpose_b) {
  const ConstTensorView& a = args.inputs[0];
  const ConstTensorView& b = args.inputs[1];
  const int64_t k = a.shape.back();
  const int64_t m = NumElements(a.shape) / k;  // leading dimensions fold into rows
  const int64_t n = transpose_b ? b.shape[0] : b.shape[1];
  if ((transpose_b ? b.shape[1] : b.shape[0]) != k || NumElements(args.output.shape) != m * n) {
    return InvalidArgumentError(absl::StrCat("matmul kernel: shapes ", FormatShape(a.shape), " x ",
                                             FormatShape(b.shape), " -> ", FormatShape(args.output.shape)));
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a.data, k,
              b.data, transpose_b ? k : n, args.accumulate ? 1.0f : 0.0f, args.output.data, n);
  float* out = args.output.data;
  if (args.inputs.size() == 3) {
    const float* bias = args.inputs[2].data;
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t c = 0; c < n; ++c) out[r * n + c] += bias[c];
    }
  }
  if (GetString(args.attributes, "activation", "none") == "relu") {
    for (int64_t i = 0; i < m * n; ++i) out[i] = std::max(out[i], 0.0f);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MatmulKernel(const KernelArgs& args) {
  return Gemm(args, GetInt(args.attributes, "transpose_b", 0) != 0);
}

absl::Status LinearKernel(const KernelArgs& args) { return Gemm(args, true); }

absl::Status AddKernel(const KernelArgs& args) {
  const Shape& out = args.output.shape;
  const int rank = static_cast<int>(out.size());
  // Strides of each input over the output's index space; 0 along broadcast dimensions.
  std::vector<std::vector<int64_t>> strides;
  for (const ConstTensorView& in : args.inputs) {
    std::vector<int64_t> s(rank, 0);
    int64_t stride = 1;
    for (int d = static_cast<int>(in.shape.size()) - 1, o = rank - 1; d >= 0; --d, --o) {
      if (o < 0 || (in.shape[d] != out[o] && in.shape[d] != 1)) {
        return InvalidArgumentError(absl::StrCat("add kernel: ", FormatShape(in.shape), " does not broadcast to ",
                                                 FormatShape(out)));
      }
      s[o] = in.shape[d] == 1 ? 0 : stride;
      stride *= in.shape[d];
    }
    strides.push_back(std::move(s));
  }
  const int64_t total = NumElements(out);
  std::vector<int64_t> idx(rank, 0);
  int64_t off0 = 0, off1 = 0;
  const float* x = args.inputs[0].data;
  const float* y = args.inputs[1].data;
  for (int64_t i = 0; i < total; ++i) {
    args.output.data[i] = x[off0] + y[off1];
    // Odometer increment of the output index, carrying the input offsets along.
    for (int d = rank - 1; d >= 0; --d) {
      ++idx[d];
      off0 += strides[0][d];
      off1 += strides[1][d];
      if (idx[d] < out[d]) break;
      off0 -= strides[0][d] * out[d];
      off1 -= strides[1][d] * out[d];
      idx[d] = 0;
    }
  }
  return absl::OkStatus();
}

absl::Status ReluKernel(const KernelArgs& args) {
  const int64_t n = NumElements(args.output.shape);
  const float* x = args.inputs[0].data;
  for (int64_t i = 0; i < n; ++i) args.output.data[i] = std::max(x[i], 0.0f);
  return absl::OkStatus();
}

absl::Status SoftmaxKernel(const KernelArgs& args) {
  const Shape& s = args.inputs[0].shape;
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(args.attributes, "axis", -1), static_cast<int64_t>(s.size())));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const int64_t len = s[axis];
  const float* x = args.inputs[0].data;
  float* y = args.output.data;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float mx = -INFINITY;
      for (int64_t j = 0; j < len; ++j) mx = std::max(mx, x[base + j * inner]);
      double sum = 0;
      for (int64_t j = 0; j < len; ++j) {
        const float e = std::exp(x[base + j * inner] - mx);
        y[base + j * inner] = e;
        sum += e;
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < len; ++j) y[base + j * inner] *= inv;
    }
  }
  return absl::OkStatus();
}

const std::map<std::string, KernelFn>& Kernels() {
  static const auto* table = new std::map<std::string, KernelFn>{
      {"matmul", MatmulKernel}, {"linear", LinearKernel}, {"add", AddKernel},
      {"relu", ReluKernel},     {"softmax", SoftmaxKernel},
  };
  return *table;
}

}  // namespace kpu::runtime
