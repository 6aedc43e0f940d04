// conv_transpose2d as the adjoint of im2col convolution: one sgemm per image and group produces
// every (output channel, kernel tap) contribution of every input pixel, and col2im scatters them
// into the output. This handles any output_padding, which oneDNN's deconvolution (padding on both
// sides) cannot express when output_padding exceeds padding.
#include <vector>

#include "kpu/ir/ops/conv.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/gemm.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

absl::Status ConvTranspose2dF32(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("conv_transpose2d", args, 2, 3));
  KPU_ASSIGN_OR_RETURN(ops::ConvTranspose2dAttrs a, ops::ConvTranspose2dAttrsOf(args.attributes));
  const Shape& x = args.inputs[0].shape;
  const Shape& w = args.inputs[1].shape;
  KPU_ASSIGN_OR_RETURN(Shape y, ops::ConvTranspose2dOutputShape(x, w, a));
  KPU_RETURN_IF_ERROR(ExpectShape("conv_transpose2d", "output", args.output().shape, y));
  if (args.inputs.size() == 3) KPU_RETURN_IF_ERROR(ExpectShape("conv_transpose2d", "bias", args.inputs[2].shape, {y[1]}));
  const int64_t n_img = x[0], c = x[1], h = x[2], wd = x[3];
  const int64_t g = a.groups, cg = c / g, ocg = w[1], kh = w[2], kw = w[3];
  const int64_t oc = y[1], oh = y[2], ow = y[3];
  const int64_t taps = ocg * kh * kw, pixels = h * wd;
  const float* px = args.inputs[0].as<float>();
  const float* pw = args.inputs[1].as<float>();
  const float* bias = args.inputs.size() == 3 ? args.inputs[2].as<float>() : nullptr;
  float* py = args.output().as<float>();
  if (!args.accumulate) {
    for (int64_t i = 0; i < n_img * oc; ++i) {
      std::fill(py + i * oh * ow, py + (i + 1) * oh * ow, bias ? bias[i % oc] : 0.0f);
    }
  } else if (bias) {
    for (int64_t i = 0; i < n_img * oc; ++i) {
      for (int64_t j = 0; j < oh * ow; ++j) py[i * oh * ow + j] += bias[i % oc];
    }
  }
  std::vector<float> cols(taps * pixels);
  for (int64_t n = 0; n < n_img; ++n) {
    for (int64_t gi = 0; gi < g; ++gi) {
      const float* xg = px + (n * c + gi * cg) * pixels;
      const float* wg = pw + gi * cg * taps;
      KPU_RETURN_IF_ERROR(
          Sgemm("conv_transpose2d", true, false, taps, pixels, cg, wg, taps, xg, pixels, 0.0f, cols.data(), pixels));
      for (int64_t o = 0; o < ocg; ++o) {
        float* yo = py + (n * oc + gi * ocg + o) * oh * ow;
        for (int64_t i = 0; i < kh; ++i) {
          for (int64_t j = 0; j < kw; ++j) {
            const float* col = cols.data() + ((o * kh + i) * kw + j) * pixels;
            for (int64_t ih = 0; ih < h; ++ih) {
              const int64_t yh = ih * a.stride[0] - a.padding[0] + i * a.dilation[0];
              if (yh < 0 || yh >= oh) continue;
              for (int64_t iw = 0; iw < wd; ++iw) {
                const int64_t yw = iw * a.stride[1] - a.padding[1] + j * a.dilation[1];
                if (yw >= 0 && yw < ow) yo[yh * ow + yw] += col[ih * wd + iw];
              }
            }
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterConvTransposeKernels(KernelRegistry& r) { r.Add("conv_transpose2d", ir::FLOAT32, ConvTranspose2dF32); }

}  // namespace kpu::runtime
