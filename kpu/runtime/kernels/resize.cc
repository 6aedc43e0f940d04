// upsample_nearest2d and upsample_bilinear2d on NCHW planes, with ATen's source-index rules
// (kpu/ir/ops/resize.h). A DFX tile computes its output rows and columns at their positions in the
// whole output, from the source indices of the whole op: the index rule is not affine in a tile
// index (src = floor(dst * in / out) in float), so a tile with its own output_size would pick other
// sources. The input tile must hold every source its outputs read.
#include <vector>

#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/resize.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

absl::StatusOr<Shape> CheckResize(const char* op, const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  const Shape& x = args.inputs[0].shape;
  if (x.size() != 4) return InvalidArgumentError(absl::StrCat(op, " kernel: input must have rank 4"));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> size, ops::GetInts(args.attributes, "output_size", {}, 2));
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, {x[0], x[1], size[0], size[1]}));
  return args.output().shape;
}

// Along spatial dimension d (0 rows, 1 columns): the whole op's sizes and, per output index of the
// tile, the taps of the whole op moved into the input tile's coordinates. An output past the end of
// the tensor (a ragged last tile) gets i0 = -1: its value is never stored.
template <typename TapOf>
absl::StatusOr<std::vector<ops::LinearTap>> LocalTaps(const char* op, const KernelArgs& args, int d, TapOf tap_of) {
  const ConstTensorView& x = args.inputs[0];
  const TensorView& y = args.output();
  KPU_ASSIGN_OR_RETURN(AxisPosition in, PositionOf(op, x.position, x.shape, 2 + d));
  KPU_ASSIGN_OR_RETURN(AxisPosition out, PositionOf(op, y.position, y.shape, 2 + d));
  const int64_t tile_in = x.shape[2 + d], tile_out = y.shape[2 + d];
  std::vector<ops::LinearTap> taps(tile_out);
  for (int64_t i = 0; i < tile_out; ++i) {
    const int64_t dst = out.origin + i;
    if (dst < 0 || dst >= out.whole) continue;
    ops::LinearTap t = tap_of(dst, in.whole, out.whole);
    for (int64_t src : {t.i0, t.i1}) {
      if (src < in.origin || src >= in.origin + tile_in) {
        return InvalidArgumentError(absl::StrCat(op, " kernel: output ", d == 0 ? "row " : "column ", dst, " reads input ",
                                                 d == 0 ? "row " : "column ", src, ", outside the input tile's [",
                                                 in.origin, ", ", in.origin + tile_in, ")"));
      }
    }
    t.i0 -= in.origin;
    t.i1 -= in.origin;
    taps[i] = t;
  }
  return taps;
}

ops::LinearTap NearestTap(int64_t dst, int64_t in, int64_t out) {
  const int64_t src = ops::NearestSource(dst, in, out);
  return {src, src, 0.0f};
}

absl::Status NearestF32(const KernelArgs& args) {
  constexpr const char* kOp = "upsample_nearest2d";
  KPU_ASSIGN_OR_RETURN(Shape y, CheckResize(kOp, args));
  const Shape& x = args.inputs[0].shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  KPU_ASSIGN_OR_RETURN(std::vector<ops::LinearTap> rows, LocalTaps(kOp, args, 0, NearestTap));
  KPU_ASSIGN_OR_RETURN(std::vector<ops::LinearTap> cols, LocalTaps(kOp, args, 1, NearestTap));
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        float* out = py + (p * oh + i) * ow;
        const float* row = px + (p * h + rows[i].i0) * w;
        for (int64_t j = 0; j < ow; ++j) out[j] = row[cols[j].i0];
      }
    }
  });
  return absl::OkStatus();
}

absl::Status BilinearF32(const KernelArgs& args) {
  constexpr const char* kOp = "upsample_bilinear2d";
  KPU_ASSIGN_OR_RETURN(Shape y, CheckResize(kOp, args));
  const bool align = GetInt(args.attributes, "align_corners", 0) != 0;
  const Shape& x = args.inputs[0].shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  auto tap = [align](int64_t dst, int64_t in, int64_t out) { return ops::BilinearSource(dst, in, out, align); };
  KPU_ASSIGN_OR_RETURN(std::vector<ops::LinearTap> rows, LocalTaps(kOp, args, 0, tap));
  KPU_ASSIGN_OR_RETURN(std::vector<ops::LinearTap> cols, LocalTaps(kOp, args, 1, tap));
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        const ops::LinearTap& r = rows[i];
        float* out = py + (p * oh + i) * ow;
        const float* r0 = px + (p * h + r.i0) * w;
        const float* r1 = px + (p * h + r.i1) * w;
        const float h1 = r.w1, h0 = 1.0f - r.w1;
        for (int64_t j = 0; j < ow; ++j) {
          const ops::LinearTap& c = cols[j];
          const float w1 = c.w1, w0 = 1.0f - c.w1;
          out[j] = h0 * (w0 * r0[c.i0] + w1 * r0[c.i1]) + h1 * (w0 * r1[c.i0] + w1 * r1[c.i1]);
        }
      }
    }
  });
  return absl::OkStatus();
}

}  // namespace

void RegisterResizeKernels(KernelRegistry& r) {
  r.Add("upsample_nearest2d", ir::FLOAT32, NearestF32);
  r.Add("upsample_bilinear2d", ir::FLOAT32, BilinearF32);
}

}  // namespace kpu::runtime
