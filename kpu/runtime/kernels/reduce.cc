// mean, sum and amax over any set of axes (keepdim only changes the output's shape, not its
// element order). Sums accumulate in double so long axes lose no precision.
#include <cmath>
#include <limits>
#include <vector>

#include "kpu/ir/ops/shape_ops.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

enum class Reduction { kSum, kMean, kMax };

absl::Status Reduce(const char* op, const KernelArgs& args, Reduction kind) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  const Shape& x = args.inputs[0].shape;
  const int rank = static_cast<int>(x.size());
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ops::ReduceAxesOf(args.attributes, x.size()));
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) reduced[a] = true;
  // Output strides over the input's dims, 0 along reduced dims.
  std::vector<int64_t> ostride(rank, 0);
  int64_t out_n = 1, count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (reduced[d]) {
      count *= x[d];
    } else {
      ostride[d] = out_n;
      out_n *= x[d];
    }
  }
  if (NumElements(args.output().shape) != out_n) {
    return InvalidArgumentError(absl::StrCat(op, " kernel: output ", FormatShape(args.output().shape),
                                             " does not match the reduction of ", FormatShape(x)));
  }
  const bool is_max = kind == Reduction::kMax;
  std::vector<double> acc(out_n, is_max ? -std::numeric_limits<double>::infinity() : 0.0);
  const float* px = args.inputs[0].as<float>();
  const int64_t total = NumElements(x);
  const int64_t inner = rank ? x[rank - 1] : 1, s_inner = rank ? ostride[rank - 1] : 0;
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < total; i += inner) {
    const float* row = px + i;
    if (is_max) {
      for (int64_t j = 0; j < inner; ++j) {
        double& a = acc[off + j * s_inner];
        if (row[j] > a || std::isnan(row[j])) a = row[j];
      }
    } else {
      for (int64_t j = 0; j < inner; ++j) acc[off + j * s_inner] += row[j];
    }
    for (int d = rank - 2; d >= 0; --d) {
      off += ostride[d];
      if (++idx[d] < x[d]) break;
      off -= ostride[d] * x[d];
      idx[d] = 0;
    }
  }
  float* y = args.output().as<float>();
  const double div = kind == Reduction::kMean ? static_cast<double>(count) : 1.0;
  for (int64_t i = 0; i < out_n; ++i) y[i] = static_cast<float>(acc[i] / div);
  return absl::OkStatus();
}

absl::Status MeanF32(const KernelArgs& a) { return Reduce("mean", a, Reduction::kMean); }
absl::Status SumF32(const KernelArgs& a) { return Reduce("sum", a, Reduction::kSum); }
absl::Status AmaxF32(const KernelArgs& a) { return Reduce("amax", a, Reduction::kMax); }

}  // namespace

void RegisterReduceKernels(KernelRegistry& r) {
  r.Add("mean", ir::FLOAT32, MeanF32);
  r.Add("sum", ir::FLOAT32, SumF32);
  r.Add("amax", ir::FLOAT32, AmaxF32);
}

}  // namespace kpu::runtime
