// The elementwise families: unary activations (one output element per input element, same shape
// and dtype) and binary arithmetic with NumPy broadcasting.
#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferUnary(const ir::Node&, const std::vector<TensorType>& in) {
  return std::vector<TensorType>{in[0]};
}

absl::StatusOr<std::vector<TensorType>> InferHardtanh(const ir::Node& node, const std::vector<TensorType>& in) {
  const double lo = GetFloat(node.attributes(), "min_val", -1.0), hi = GetFloat(node.attributes(), "max_val", 1.0);
  if (lo > hi) return InvalidArgumentError(absl::StrCat("min_val ", lo, " is greater than max_val ", hi));
  return std::vector<TensorType>{in[0]};
}

absl::StatusOr<std::vector<TensorType>> InferGelu(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(RequireOneOf(GetString(node.attributes(), "approximate", "none"), {"none", "tanh"},
                                   "approximate"));
  return std::vector<TensorType>{in[0]};
}

absl::StatusOr<std::vector<TensorType>> InferBinary(const ir::Node&, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(in[0].shape, in[1].shape));
  return One(in[0].dtype, out);
}

void Unary(OpRegistry& r, const std::string& name, const std::string& semantics, std::vector<AttrDef> attrs = {},
           InferFn infer = InferUnary) {
  r.Register({name, semantics, 1, 1, 1, std::move(attrs), kFloatTypes, std::move(infer)});
}

void Binary(OpRegistry& r, const std::string& name, const std::string& semantics) {
  r.Register({name, semantics + ", NumPy broadcasting (a scalar is a rank-0 tensor)", 2, 2, 1, {}, kFloatTypes,
              InferBinary});
}

}  // namespace

void RegisterElementwiseOps(OpRegistry& r) {
  Unary(r, "relu", "torch.relu(x)");
  Unary(r, "sigmoid", "torch.sigmoid(x)");
  Unary(r, "tanh", "torch.tanh(x)");
  Unary(r, "silu", "F.silu(x) = x * sigmoid(x)");
  Unary(r, "hardswish", "F.hardswish(x) = x * relu6(x + 3) / 6");
  Unary(r, "hardsigmoid", "F.hardsigmoid(x) = relu6(x + 3) / 6");
  Unary(r, "hardtanh", "F.hardtanh(x, min_val, max_val); relu6 is hardtanh(0, 6)",
        {{"min_val", AttrType::kFloat, false, "default -1"}, {"max_val", AttrType::kFloat, false, "default 1"}},
        InferHardtanh);
  Unary(r, "leaky_relu", "F.leaky_relu(x, negative_slope)",
        {{"negative_slope", AttrType::kFloat, false, "default 0.01"}});
  Unary(r, "gelu", "F.gelu(x, approximate): erf form, or the tanh approximation",
        {{"approximate", AttrType::kString, false, "none | tanh"}}, InferGelu);
  Unary(r, "clamp", "torch.clamp(x, min, max); an absent bound is unbounded",
        {{"min", AttrType::kFloat, false, "lower bound"}, {"max", AttrType::kFloat, false, "upper bound"}});
  Binary(r, "add", "torch.add(a, b)");
  Binary(r, "sub", "torch.sub(a, b)");
  Binary(r, "mul", "torch.mul(a, b)");
  Binary(r, "div", "torch.div(a, b) (true division)");
}

}  // namespace kpu::ops
