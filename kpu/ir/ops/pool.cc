// max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d on NCHW tensors.
#include "kpu/ir/ops/pool.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferPool(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_ASSIGN_OR_RETURN(Pool2dAttrs a, Pool2dAttrsOf(node.attributes()));
  KPU_ASSIGN_OR_RETURN(Shape out, Pool2dOutputShape(in[0].shape, a));
  return One(in[0].dtype, out);
}

absl::StatusOr<std::vector<TensorType>> InferAdaptivePool(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(RequireRank(in[0].shape, 4, "input"));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> size, GetInts(node.attributes(), "output_size", {}, 2));
  KPU_RETURN_IF_ERROR(RequireAtLeast(size, 1, "output_size"));
  const Shape& x = in[0].shape;
  if (x[2] < 1 || x[3] < 1) return InvalidArgumentError(absl::StrCat("input ", FormatShape(x), " is empty"));
  return One(in[0].dtype, {x[0], x[1], size[0], size[1]});
}

}  // namespace

absl::StatusOr<Pool2dAttrs> Pool2dAttrsOf(const AttrMap& attrs) {
  Pool2dAttrs a;
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> k, GetInts(attrs, "kernel", {}, 2));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> s, GetInts(attrs, "stride", k, 2));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> p, GetInts(attrs, "padding", {0, 0}, 2));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> d, GetInts(attrs, "dilation", {1, 1}, 2));
  KPU_RETURN_IF_ERROR(RequireAtLeast(k, 1, "kernel"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(s, 1, "stride"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(p, 0, "padding"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(d, 1, "dilation"));
  for (int i = 0; i < 2; ++i) {
    if (p[i] > k[i] / 2) {
      return InvalidArgumentError(absl::StrCat("padding (", p[0], ",", p[1], ") must be at most half of kernel (",
                                               k[0], ",", k[1], ")"));
    }
    a.kernel[i] = k[i];
    a.stride[i] = s[i];
    a.padding[i] = p[i];
    a.dilation[i] = d[i];
  }
  a.ceil_mode = GetInt(attrs, "ceil_mode", 0) != 0;
  a.count_include_pad = GetInt(attrs, "count_include_pad", 1) != 0;
  a.divisor_override = GetInt(attrs, "divisor_override", 0);
  KPU_RETURN_IF_ERROR(RequireAtLeast({a.divisor_override}, 0, "divisor_override"));
  return a;
}

int64_t PoolOutputSize(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // Floor division that rounds toward -inf, as PyTorch's div_rtn.
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

absl::StatusOr<Shape> Pool2dOutputShape(const Shape& x, const Pool2dAttrs& a) {
  KPU_RETURN_IF_ERROR(RequireRank(x, 4, "input"));
  Shape out = {x[0], x[1], 0, 0};
  for (int d = 0; d < 2; ++d) {
    // Dims beyond 2^40 would overflow the window arithmetic; no real image is that large.
    if (x[2 + d] > (int64_t{1} << 40) || a.kernel[d] > (int64_t{1} << 20) || a.dilation[d] > (int64_t{1} << 20)) {
      return InvalidArgumentError(absl::StrCat("pooling sizes of ", FormatShape(x), " are out of range"));
    }
    out[2 + d] = PoolOutputSize(x[2 + d], a.kernel[d], a.padding[d], a.stride[d], a.dilation[d], a.ceil_mode);
    if (out[2 + d] < 1) {
      return InvalidArgumentError(absl::StrCat("kernel (", a.kernel[0], ",", a.kernel[1], ") with dilation (",
                                               a.dilation[0], ",", a.dilation[1], ") is bigger than the padded input ",
                                               FormatShape({x[2] + 2 * a.padding[0], x[3] + 2 * a.padding[1]})));
    }
  }
  return out;
}

void RegisterPoolOps(OpRegistry& r) {
  r.Register({"max_pool2d", "F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode); padding reads -inf", 1, 1,
              1,
              {{"kernel", AttrType::kInts, true, "(kh, kw)"},
               {"stride", AttrType::kInts, false, "default = kernel"},
               {"padding", AttrType::kInts, false, "(ph, pw), at most half the kernel"},
               {"dilation", AttrType::kInts, false, "(dh, dw)"},
               {"ceil_mode", AttrType::kInt, false, "0 | 1"}},
              kFloatTypes, InferPool});
  r.Register({"avg_pool2d",
              "F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override or None)", 1, 1,
              1,
              {{"kernel", AttrType::kInts, true, "(kh, kw)"},
               {"stride", AttrType::kInts, false, "default = kernel"},
               {"padding", AttrType::kInts, false, "(ph, pw), at most half the kernel"},
               {"ceil_mode", AttrType::kInt, false, "0 | 1"},
               {"count_include_pad", AttrType::kInt, false, "default 1"},
               {"divisor_override", AttrType::kInt, false, "0 = none"}},
              kFloatTypes, InferPool});
  r.Register({"adaptive_avg_pool2d", "F.adaptive_avg_pool2d(x, output_size)", 1, 1, 1,
              {{"output_size", AttrType::kInts, true, "(oh, ow)"}}, kFloatTypes, InferAdaptivePool});
  r.Register({"adaptive_max_pool2d", "F.adaptive_max_pool2d(x, output_size) (values only)", 1, 1, 1,
              {{"output_size", AttrType::kInts, true, "(oh, ow)"}}, kFloatTypes, InferAdaptivePool});
}

}  // namespace kpu::ops
