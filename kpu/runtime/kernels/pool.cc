// Pooling on NCHW planes, with PyTorch's exact window rules: max pooling ignores padding (it reads
// as -inf) and propagates NaN; avg pooling's divisor follows count_include_pad (the padded window,
// clipped to input + padding, as ATen does) or divisor_override; adaptive bins are
// [floor(o*in/out), ceil((o+1)*in/out)) of the whole op, also in a DFX tile (LocalBins).
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/pool.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

absl::Status CheckPool(const char* op, const KernelArgs& args, const ops::Pool2dAttrs& a) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  KPU_ASSIGN_OR_RETURN(Shape y, ops::Pool2dOutputShape(args.inputs[0].shape, a));
  return ExpectShape(op, "output", args.output().shape, y);
}

// max(m, v) where a NaN on either side wins: (v > m || v is NaN) ? v : m, without a branch.
inline float NanMax(float m, float v) { return (v > m) | (v != v) ? v : m; }

// ceil(a / b) for b > 0 and any a.
inline int64_t CeilDivSigned(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

absl::Status MaxPool2dF32(const KernelArgs& args) {
  KPU_ASSIGN_OR_RETURN(ops::Pool2dAttrs a, ops::Pool2dAttrsOf(args.attributes));
  KPU_RETURN_IF_ERROR(CheckPool("max_pool2d", args, a));
  const Shape& x = args.inputs[0].shape;
  const Shape& y = args.output().shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  // Per kernel column kj, the output columns [j0, j1) whose tap kj lands inside the input:
  // j * stride - padding + kj * dilation in [0, w).
  std::vector<int64_t> j0(a.kernel[1]), j1(a.kernel[1]);
  for (int64_t kj = 0; kj < a.kernel[1]; ++kj) {
    const int64_t off = kj * a.dilation[1] - a.padding[1];
    j0[kj] = std::clamp<int64_t>(CeilDivSigned(-off, a.stride[1]), 0, ow);
    j1[kj] = std::clamp<int64_t>(CeilDivSigned(w - off, a.stride[1]), j0[kj], ow);
  }
  // Two passes per output row, both without branches: the window's rows reduce into one row of
  // column maxima (contiguous, so it vectorises), then each kernel column's taps reduce over that
  // row. NaN wins every comparison, so a window holding a NaN gives NaN, as in ATen; padding
  // and taps past the input are left out (they read as -inf).
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    std::vector<float> column_max(w);
    float* cm = column_max.data();
    for (int64_t p = p0; p < p1; ++p) {
      const float* in = px + p * h * w;
      float* out = py + p * oh * ow;
      for (int64_t i = 0; i < oh; ++i) {
        const int64_t h0 = i * a.stride[0] - a.padding[0];
        const int64_t ki0 = h0 >= 0 ? 0 : (-h0 + a.dilation[0] - 1) / a.dilation[0];
        const int64_t ki1 = std::min(a.kernel[0], h0 < h ? (h - h0 + a.dilation[0] - 1) / a.dilation[0] : 0);
        std::fill(cm, cm + w, -std::numeric_limits<float>::infinity());
        for (int64_t ki = ki0; ki < ki1; ++ki) {
          const float* row = in + (h0 + ki * a.dilation[0]) * w;
          for (int64_t c = 0; c < w; ++c) cm[c] = NanMax(cm[c], row[c]);
        }
        float* o = out + i * ow;
        std::fill(o, o + ow, -std::numeric_limits<float>::infinity());
        for (int64_t kj = 0; kj < a.kernel[1]; ++kj) {
          const int64_t s = a.stride[1], off = kj * a.dilation[1] - a.padding[1];
          for (int64_t j = j0[kj]; j < j1[kj]; ++j) o[j] = NanMax(o[j], cm[j * s + off]);
        }
      }
    }
  });
  return absl::OkStatus();
}

absl::Status AvgPool2dF32(const KernelArgs& args) {
  KPU_ASSIGN_OR_RETURN(ops::Pool2dAttrs a, ops::Pool2dAttrsOf(args.attributes));
  if (a.dilation[0] != 1 || a.dilation[1] != 1) return InvalidArgumentError("avg_pool2d kernel: no dilation");
  KPU_RETURN_IF_ERROR(CheckPool("avg_pool2d", args, a));
  const Shape& x = args.inputs[0].shape;
  const Shape& y = args.output().shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* in = px + p * h * w;
      float* out = py + p * oh * ow;
      for (int64_t i = 0; i < oh; ++i) {
        const ops::AvgPoolWindow r = ops::AvgPoolWindowAt(a, h, i, 0);
        for (int64_t j = 0; j < ow; ++j) {
          const ops::AvgPoolWindow c = ops::AvgPoolWindowAt(a, w, j, 1);
          if (r.begin >= r.end || c.begin >= c.end) {
            out[i * ow + j] = 0.0f;
            continue;
          }
          float sum = 0.0f;
          for (int64_t row = r.begin; row < r.end; ++row) {
            for (int64_t col = c.begin; col < c.end; ++col) sum += in[row * w + col];
          }
          const int64_t divisor = a.divisor_override != 0 ? a.divisor_override : r.divisor * c.divisor;
          out[i * ow + j] = sum / static_cast<float>(divisor);
        }
      }
    }
  });
  return absl::OkStatus();
}

// Adaptive bins along spatial dimension d of a tile: the whole op's bins of the tile's outputs, in
// the input tile's coordinates (bins overlap and differ in size, so a tile with its own output_size
// would bin differently). An output past the end of the tensor gets the tile's first element: its
// value is never stored.
absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> LocalBins(const char* op, const KernelArgs& args, int d) {
  const ConstTensorView& x = args.inputs[0];
  const TensorView& y = args.output();
  KPU_ASSIGN_OR_RETURN(AxisPosition in, PositionOf(op, x.position, x.shape, 2 + d));
  KPU_ASSIGN_OR_RETURN(AxisPosition out, PositionOf(op, y.position, y.shape, 2 + d));
  const int64_t tile_in = x.shape[2 + d], tile_out = y.shape[2 + d];
  std::vector<std::pair<int64_t, int64_t>> bins(tile_out, {0, 1});
  for (int64_t i = 0; i < tile_out; ++i) {
    const int64_t dst = out.origin + i;
    if (dst < 0 || dst >= out.whole) continue;
    const int64_t s = ops::AdaptiveStart(dst, in.whole, out.whole), e = ops::AdaptiveEnd(dst, in.whole, out.whole);
    if (s < in.origin || e > in.origin + tile_in) {
      return InvalidArgumentError(absl::StrCat(op, " kernel: the bin [", s, ", ", e, ") of output ", dst,
                                               " along spatial dimension ", d, " lies outside the input tile's [",
                                               in.origin, ", ", in.origin + tile_in, ")"));
    }
    bins[i] = {s - in.origin, e - in.origin};
  }
  return bins;
}

template <bool kMax>
absl::Status AdaptivePool(const char* op, const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> size, ops::GetInts(args.attributes, "output_size", {}, 2));
  const Shape& x = args.inputs[0].shape;
  if (x.size() != 4) return InvalidArgumentError(absl::StrCat(op, " kernel: input must have rank 4"));
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, {x[0], x[1], size[0], size[1]}));
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = size[0], ow = size[1];
  KPU_ASSIGN_OR_RETURN(auto rows, LocalBins(op, args, 0));
  KPU_ASSIGN_OR_RETURN(auto cols, LocalBins(op, args, 1));
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float* in = px + p * h * w;
      float* out = py + p * oh * ow;
      for (int64_t i = 0; i < oh; ++i) {
        const auto [hs, he] = rows[i];
        for (int64_t j = 0; j < ow; ++j) {
          const auto [ws, we] = cols[j];
          float acc = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
          for (int64_t r = hs; r < he; ++r) {
            for (int64_t c = ws; c < we; ++c) {
              const float v = in[r * w + c];
              if (kMax) {
                if (v > acc || std::isnan(v)) acc = v;
              } else {
                acc += v;
              }
            }
          }
          out[i * ow + j] = kMax ? acc : acc / static_cast<float>((he - hs) * (we - ws));
        }
      }
    }
  });
  return absl::OkStatus();
}

absl::Status AdaptiveAvgPool2dF32(const KernelArgs& a) { return AdaptivePool<false>("adaptive_avg_pool2d", a); }
absl::Status AdaptiveMaxPool2dF32(const KernelArgs& a) { return AdaptivePool<true>("adaptive_max_pool2d", a); }

}  // namespace

void RegisterPoolKernels(KernelRegistry& r) {
  r.Add("max_pool2d", ir::FLOAT32, MaxPool2dF32);
  r.Add("avg_pool2d", ir::FLOAT32, AvgPool2dF32);
  r.Add("adaptive_avg_pool2d", ir::FLOAT32, AdaptiveAvgPool2dF32);
  r.Add("adaptive_max_pool2d", ir::FLOAT32, AdaptiveMaxPool2dF32);
}

}  // namespace kpu::runtime
