// conv2d (with its fused bias, residual and activation epilogue) and conv_transpose2d.
#include "kpu/ir/ops/conv.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

template <size_t N>
absl::Status ReadInts(const AttrMap& attrs, const std::string& name, std::array<int64_t, N>& out) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> v,
                       GetInts(attrs, name, std::vector<int64_t>(out.begin(), out.end()), static_cast<int>(N)));
  std::copy(v.begin(), v.end(), out.begin());
  return absl::OkStatus();
}

template <size_t N>
std::vector<int64_t> Vec(const std::array<int64_t, N>& a) {
  return std::vector<int64_t>(a.begin(), a.end());
}

// The extent a dilated kernel covers: dilation * (k - 1) + 1.
absl::StatusOr<int64_t> DilatedExtent(int64_t k, int64_t dilation) {
  KPU_ASSIGN_OR_RETURN(int64_t span, CheckedMul(dilation, k - 1));
  return CheckedAdd(span, 1);
}

absl::StatusOr<std::vector<TensorType>> InferConv2d(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_ASSIGN_OR_RETURN(Conv2dAttrs a, Conv2dAttrsOf(node.attributes()));
  KPU_ASSIGN_OR_RETURN(Shape out, Conv2dOutputShape(in[0].shape, in[1].shape, a));
  if (in.size() >= 3 && in[2].shape != Shape{out[1]}) return ShapeMismatchError("Bias", {out[1]}, in[2].shape);
  if (in.size() == 4 && in[3].shape != out) return ShapeMismatchError("Residual", out, in[3].shape);
  return One(in[0].dtype, out);
}

absl::StatusOr<std::vector<TensorType>> InferConvTranspose2d(const ir::Node& node,
                                                             const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_ASSIGN_OR_RETURN(ConvTranspose2dAttrs a, ConvTranspose2dAttrsOf(node.attributes()));
  KPU_ASSIGN_OR_RETURN(Shape out, ConvTranspose2dOutputShape(in[0].shape, in[1].shape, a));
  if (in.size() == 3 && in[2].shape != Shape{out[1]}) return ShapeMismatchError("Bias", {out[1]}, in[2].shape);
  return One(in[0].dtype, out);
}

}  // namespace

absl::StatusOr<Conv2dAttrs> Conv2dAttrsOf(const AttrMap& attrs) {
  Conv2dAttrs a;
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "stride", a.stride));
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "padding", a.padding));
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "dilation", a.dilation));
  a.groups = GetInt(attrs, "groups", 1);
  a.activation = GetString(attrs, "activation", "none");
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.stride), 1, "stride"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.dilation), 1, "dilation"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.padding), 0, "padding"));
  KPU_RETURN_IF_ERROR(RequireAtLeast({a.groups}, 1, "groups"));
  KPU_RETURN_IF_ERROR(RequireOneOf(a.activation, EpilogueActivations(), "activation"));
  return a;
}

absl::StatusOr<Shape> Conv2dOutputShape(const Shape& x, const Shape& w, const Conv2dAttrs& a) {
  KPU_RETURN_IF_ERROR(RequireRank(x, 4, "input"));
  KPU_RETURN_IF_ERROR(RequireRank(w, 4, "weight"));
  const int64_t c = x[1], oc = w[0];
  if (c % a.groups != 0 || oc % a.groups != 0) {
    return InvalidArgumentError(absl::StrCat("groups ", a.groups, " does not divide the ", c, " input channels and ",
                                             oc, " output channels"));
  }
  if (w[1] != c / a.groups) {
    return ShapeMismatchError("Conv weight input channels (C/groups)", {c / a.groups}, {w[1]});
  }
  // Every sum checked: a hostile graph or program may give paddings near 2^63.
  int64_t padded[2], extent[2];
  for (int d = 0; d < 2; ++d) {
    KPU_ASSIGN_OR_RETURN(const int64_t pad, CheckedAdd(a.padding[d], a.padding[d + 2]));
    KPU_ASSIGN_OR_RETURN(padded[d], CheckedAdd(x[2 + d], pad));
    KPU_ASSIGN_OR_RETURN(extent[d], DilatedExtent(w[2 + d], a.dilation[d]));
  }
  Shape out = {x[0], oc, 0, 0};
  for (int d = 0; d < 2; ++d) {
    if (w[2 + d] < 1 || extent[d] > padded[d]) {
      return InvalidArgumentError(absl::StrCat("kernel ", FormatShape({w[2], w[3]}), " with dilation (",
                                               a.dilation[0], ",", a.dilation[1], ") is bigger than the padded input ",
                                               FormatShape({padded[0], padded[1]})));
    }
    out[2 + d] = (padded[d] - extent[d]) / a.stride[d] + 1;
  }
  return out;
}

absl::StatusOr<ConvTranspose2dAttrs> ConvTranspose2dAttrsOf(const AttrMap& attrs) {
  ConvTranspose2dAttrs a;
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "stride", a.stride));
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "padding", a.padding));
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "output_padding", a.output_padding));
  KPU_RETURN_IF_ERROR(ReadInts(attrs, "dilation", a.dilation));
  a.groups = GetInt(attrs, "groups", 1);
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.stride), 1, "stride"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.dilation), 1, "dilation"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.padding), 0, "padding"));
  KPU_RETURN_IF_ERROR(RequireAtLeast(Vec(a.output_padding), 0, "output_padding"));
  KPU_RETURN_IF_ERROR(RequireAtLeast({a.groups}, 1, "groups"));
  for (int d = 0; d < 2; ++d) {
    if (a.output_padding[d] >= a.stride[d] && a.output_padding[d] >= a.dilation[d]) {
      return InvalidArgumentError(absl::StrCat("output_padding ", a.output_padding[d],
                                               " must be smaller than either stride or dilation"));
    }
  }
  return a;
}

absl::StatusOr<Shape> ConvTranspose2dOutputShape(const Shape& x, const Shape& w, const ConvTranspose2dAttrs& a) {
  KPU_RETURN_IF_ERROR(RequireRank(x, 4, "input"));
  KPU_RETURN_IF_ERROR(RequireRank(w, 4, "weight"));
  if (x[1] % a.groups != 0) {
    return InvalidArgumentError(absl::StrCat("groups ", a.groups, " does not divide the ", x[1], " input channels"));
  }
  if (w[0] != x[1]) return ShapeMismatchError("Conv transpose weight input channels", {x[1]}, {w[0]});
  KPU_ASSIGN_OR_RETURN(int64_t oc, CheckedMul(w[1], a.groups));
  Shape out = {x[0], oc, 0, 0};
  for (int d = 0; d < 2; ++d) {
    if (w[2 + d] < 1 || x[2 + d] < 1) return InvalidArgumentError("empty input or kernel");
    KPU_ASSIGN_OR_RETURN(int64_t grown, CheckedMul(x[2 + d] - 1, a.stride[d]));
    KPU_ASSIGN_OR_RETURN(int64_t extent, DilatedExtent(w[2 + d], a.dilation[d]));
    KPU_ASSIGN_OR_RETURN(int64_t size, CheckedAdd(grown, extent));
    size = size + a.output_padding[d] - 2 * a.padding[d];
    if (size < 1) {
      return InvalidArgumentError(absl::StrCat("padding ", a.padding[d], " leaves no output along spatial dim ", d));
    }
    out[2 + d] = size;
  }
  return out;
}

void RegisterConvOps(OpRegistry& r) {
  r.Register({"conv2d",
              "F.conv2d(F.pad(x, (left, right, top, bottom)), w, bias, stride, 0, dilation, groups) (+ residual), "
              "then the activation",
              2, 4, 1,
              {{"stride", AttrType::kInts, false, "(sh, sw), default (1, 1)"},
               {"padding", AttrType::kInts, false, "(top, left, bottom, right), default 0"},
               {"dilation", AttrType::kInts, false, "(dh, dw), default (1, 1)"},
               {"groups", AttrType::kInt, false, "default 1; C for depthwise"},
               {"activation", AttrType::kString, false, "none relu relu6 silu hardswish sigmoid, after bias+residual"}},
              kFloatTypes, InferConv2d});
  r.Register({"conv_transpose2d", "F.conv_transpose2d(x, w, bias, stride, padding, output_padding, groups, dilation)",
              2, 3, 1,
              {{"stride", AttrType::kInts, false, "(sh, sw)"},
               {"padding", AttrType::kInts, false, "(ph, pw)"},
               {"output_padding", AttrType::kInts, false, "(oph, opw)"},
               {"dilation", AttrType::kInts, false, "(dh, dw)"},
               {"groups", AttrType::kInt, false, "default 1"}},
              kFloatTypes, InferConvTranspose2d});
}

}  // namespace kpu::ops
