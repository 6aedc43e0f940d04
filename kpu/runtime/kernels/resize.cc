// upsample_nearest2d and upsample_bilinear2d on NCHW planes, with ATen's source-index rules
// (kpu/ir/ops/resize.h).
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

absl::Status NearestF32(const KernelArgs& args) {
  KPU_ASSIGN_OR_RETURN(Shape y, CheckResize("upsample_nearest2d", args));
  const Shape& x = args.inputs[0].shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  std::vector<int64_t> cols(ow);
  for (int64_t j = 0; j < ow; ++j) cols[j] = ops::NearestSource(j, w, ow);
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        const float* row = px + (p * h + ops::NearestSource(i, h, oh)) * w;
        float* out = py + (p * oh + i) * ow;
        for (int64_t j = 0; j < ow; ++j) out[j] = row[cols[j]];
      }
    }
  });
  return absl::OkStatus();
}

absl::Status BilinearF32(const KernelArgs& args) {
  KPU_ASSIGN_OR_RETURN(Shape y, CheckResize("upsample_bilinear2d", args));
  const bool align = GetInt(args.attributes, "align_corners", 0) != 0;
  const Shape& x = args.inputs[0].shape;
  const int64_t planes = x[0] * x[1], h = x[2], w = x[3], oh = y[2], ow = y[3];
  std::vector<ops::LinearTap> cols(ow);
  for (int64_t j = 0; j < ow; ++j) cols[j] = ops::BilinearSource(j, w, ow, align);
  const float* px = args.inputs[0].as<float>();
  float* py = args.output().as<float>();
  ParallelFor(planes, h * w + oh * ow, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        const ops::LinearTap r = ops::BilinearSource(i, h, oh, align);
        const float* r0 = px + (p * h + r.i0) * w;
        const float* r1 = px + (p * h + r.i1) * w;
        const float h1 = r.w1, h0 = 1.0f - r.w1;
        float* out = py + (p * oh + i) * ow;
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
