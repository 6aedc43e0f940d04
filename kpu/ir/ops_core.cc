// The ops of the MLP slice. Each entry states its meaning in PyTorch terms; the runtime's kernels
// and the compiler's DFX lowering implement exactly that meaning.
#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/op_registry.h"

namespace kpu {
namespace {

const std::vector<ir::DataType> kFloat = {ir::FLOAT32};

absl::Status SameDType(const std::vector<TensorType>& in) {
  for (const TensorType& t : in) {
    if (t.dtype != in[0].dtype) return InvalidArgumentError("inputs have different dtypes");
  }
  return absl::OkStatus();
}

absl::Status CheckActivation(const ir::Node& node) {
  std::string act = GetString(node.attributes(), "activation", "none");
  if (act != "none" && act != "relu") {
    return InvalidArgumentError(absl::StrCat("activation '", act, "' is not one of none, relu"));
  }
  return absl::OkStatus();
}

// A[..., M, K] x B -> [..., M, N]. B is [K, N], or [N, K] when transpose_b is set.
absl::StatusOr<std::vector<TensorType>> InferMatmul(const ir::Node& node,
                                                    const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_RETURN_IF_ERROR(CheckActivation(node));
  const Shape& a = in[0].shape;
  const Shape& b = in[1].shape;
  if (a.size() < 2 || b.size() != 2) {
    return InvalidArgumentError(absl::StrCat("needs A of rank >= 2 and B of rank 2, got ",
                                             FormatShape(a), " and ", FormatShape(b)));
  }
  const bool tb = GetInt(node.attributes(), "transpose_b", 0) != 0;
  const int64_t k_b = tb ? b[1] : b[0];
  const int64_t n = tb ? b[0] : b[1];
  if (a.back() != k_b) {
    return ShapeMismatchError("Matmul inner dimension", {a.back()}, {k_b});
  }
  if (in.size() == 3 && in[2].shape != Shape{n}) {
    return ShapeMismatchError("Bias", {n}, in[2].shape);
  }
  Shape out = a;
  out.back() = n;
  return std::vector<TensorType>{{in[0].dtype, out}};
}

// torch.nn.functional.linear: x[..., K], W[N, K], b[N] -> [..., N]
absl::StatusOr<std::vector<TensorType>> InferLinear(const ir::Node& node,
                                                    const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  const Shape& x = in[0].shape;
  const Shape& w = in[1].shape;
  if (x.empty() || w.size() != 2) {
    return InvalidArgumentError(absl::StrCat("needs x of rank >= 1 and a weight of rank 2, got ",
                                             FormatShape(x), " and ", FormatShape(w)));
  }
  if (x.back() != w[1]) return ShapeMismatchError("Linear input features", {w[1]}, {x.back()});
  if (in.size() == 3 && in[2].shape != Shape{w[0]}) {
    return ShapeMismatchError("Bias", {w[0]}, in[2].shape);
  }
  Shape out = x;
  out.back() = w[0];
  return std::vector<TensorType>{{in[0].dtype, out}};
}

absl::StatusOr<std::vector<TensorType>> InferAdd(const ir::Node&, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(in[0].shape, in[1].shape));
  return std::vector<TensorType>{{in[0].dtype, out}};
}

absl::StatusOr<std::vector<TensorType>> InferUnary(const ir::Node&, const std::vector<TensorType>& in) {
  return std::vector<TensorType>{in[0]};
}

absl::StatusOr<std::vector<TensorType>> InferSoftmax(const ir::Node& node,
                                                     const std::vector<TensorType>& in) {
  if (in[0].shape.empty()) return InvalidArgumentError("softmax of a scalar");
  KPU_RETURN_IF_ERROR(NormalizeAxis(GetInt(node.attributes(), "axis", -1),
                                    static_cast<int64_t>(in[0].shape.size()))
                          .status());
  return std::vector<TensorType>{in[0]};
}

}  // namespace

void RegisterCoreOps(OpRegistry& r) {
  r.Register({"matmul",
              "torch.matmul(A, B.T if transpose_b else B) + bias, then the activation",
              2, 3, 1,
              {{"transpose_b", AttrType::kInt, false, "B is stored [N, K]"},
               {"activation", AttrType::kString, false, "fused epilogue: none | relu"}},
              kFloat, InferMatmul});
  r.Register({"linear", "torch.nn.functional.linear(x, W, b)", 2, 3, 1, {}, kFloat, InferLinear});
  r.Register({"add", "torch.add(A, B) with broadcasting", 2, 2, 1, {}, kFloat, InferAdd});
  r.Register({"relu", "torch.relu(x)", 1, 1, 1, {}, kFloat, InferUnary});
  r.Register({"softmax", "torch.softmax(x, dim=axis)", 1, 1, 1,
              {{"axis", AttrType::kInt, false, "default -1"}}, kFloat, InferSoftmax});
}

}  // namespace kpu
