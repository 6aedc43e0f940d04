// matmul (batched, broadcasting batch dims; bmm) and linear on Sgemm (gemm.h), with the bias and
// activation epilogue applied in the same pass over the output.
#include <vector>

#include "kpu/ir/ops/matmul.h"
#include "kpu/runtime/kernels/activation.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/gemm.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

// Offsets (in matrices) of each batch of A and B for every output batch, following broadcasting.
void BatchOffsets(const ops::MatmulShape& s, std::vector<int64_t>& a_off, std::vector<int64_t>& b_off) {
  const int rank = static_cast<int>(s.batch.size());
  const int64_t total = NumElements(s.batch);
  a_off.assign(total, 0);
  b_off.assign(total, 0);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t oa = 0, ob = 0;
    for (int d = 0; d < rank; ++d) {
      oa = oa * s.a_batch[d] + (s.a_batch[d] == 1 ? 0 : idx[d]);
      ob = ob * s.b_batch[d] + (s.b_batch[d] == 1 ? 0 : idx[d]);
    }
    a_off[i] = oa;
    b_off[i] = ob;
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[d] < s.batch[d]) break;
      idx[d] = 0;
    }
  }
}

absl::Status Gemm(const char* op, const KernelArgs& args, bool transpose_b, const std::string& activation) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 2, 3));
  const ConstTensorView& a = args.inputs[0];
  const ConstTensorView& b = args.inputs[1];
  KPU_ASSIGN_OR_RETURN(ops::MatmulShape s, ops::MatmulShapeOf(a.shape, b.shape, transpose_b));
  Shape out_shape = s.batch;
  out_shape.push_back(s.m);
  out_shape.push_back(s.n);
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, out_shape));
  if (args.inputs.size() == 3) KPU_RETURN_IF_ERROR(ExpectShape(op, "bias", args.inputs[2].shape, {s.n}));
  const float* pa = a.as<float>();
  const float* pb = b.as<float>();
  float* y = args.output().as<float>();
  const float beta = args.accumulate ? 1.0f : 0.0f;
  const int64_t ldb = transpose_b ? s.k : s.n;
  const bool shared_b = NumElements(s.b_batch) == 1;
  const bool a_full = s.a_batch == s.batch;
  if (shared_b && a_full) {
    // One weight for every batch: the batches fold into the rows of one GEMM.
    const int64_t rows = NumElements(s.batch) * s.m;
    KPU_RETURN_IF_ERROR(Sgemm(op, false, transpose_b, rows, s.n, s.k, pa, s.k, pb, ldb, beta, y, s.n));
  } else {
    std::vector<int64_t> a_off, b_off;
    BatchOffsets(s, a_off, b_off);
    for (size_t i = 0; i < a_off.size(); ++i) {
      KPU_RETURN_IF_ERROR(Sgemm(op, false, transpose_b, s.m, s.n, s.k, pa + a_off[i] * s.m * s.k, s.k,
                                pb + b_off[i] * s.k * s.n, ldb, beta, y + i * s.m * s.n, s.n));
    }
  }
  const int64_t total = NumElements(out_shape);
  if (s.k == 0 && !args.accumulate) std::fill(y, y + total, 0.0f);
  if (args.inputs.size() == 3) {
    const float* bias = args.inputs[2].as<float>();
    for (int64_t r = 0; r < total / std::max<int64_t>(s.n, 1); ++r) {
      float* row = y + r * s.n;
      for (int64_t c = 0; c < s.n; ++c) row[c] += bias[c];
    }
  }
  return ApplyActivation(activation, y, total);
}

absl::Status MatmulF32(const KernelArgs& args) {
  return Gemm("matmul", args, GetInt(args.attributes, "transpose_b", 0) != 0,
              GetString(args.attributes, "activation", "none"));
}

// linear(x[..., K], W[N, K]) is matmul with transpose_b over x viewed as [rows, K].
absl::Status LinearF32(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("linear", args, 2, 3));
  const Shape& x = args.inputs[0].shape;
  if (x.empty()) return InvalidArgumentError("linear kernel: x must have rank >= 1");
  KernelArgs flat = args;
  flat.inputs[0].shape = {NumElements(x) / std::max<int64_t>(x.back(), 1), x.back()};
  if (x.back() == 0) flat.inputs[0].shape = {NumElements(Shape(x.begin(), x.end() - 1)), 0};
  flat.outputs[0].shape = {flat.inputs[0].shape[0], args.inputs[1].shape.empty() ? 0 : args.inputs[1].shape[0]};
  if (NumElements(flat.outputs[0].shape) != NumElements(args.output().shape)) {
    return InvalidArgumentError(absl::StrCat("linear kernel: output ", FormatShape(args.output().shape),
                                             " does not match x ", FormatShape(x), " and W ",
                                             FormatShape(args.inputs[1].shape)));
  }
  return Gemm("linear", flat, true, "none");
}

}  // namespace

void RegisterMatmulKernels(KernelRegistry& r) {
  r.Add("matmul", ir::FLOAT32, MatmulF32);
  r.Add("linear", ir::FLOAT32, LinearF32);
}

}  // namespace kpu::runtime
