// matmul and linear. torch.matmul with A and B of rank >= 2: the batch dims broadcast, so bmm and
// a rank-2 weight shared by every batch are the same op.
#include "kpu/ir/ops/matmul.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {

absl::StatusOr<MatmulShape> MatmulShapeOf(const Shape& a, const Shape& b, bool transpose_b) {
  if (a.size() < 2 || b.size() < 2) {
    return InvalidArgumentError(absl::StrCat("needs A and B of rank >= 2, got ", FormatShape(a), " and ",
                                             FormatShape(b)));
  }
  MatmulShape s;
  s.m = a[a.size() - 2];
  s.k = a.back();
  const int64_t kb = transpose_b ? b.back() : b[b.size() - 2];
  s.n = transpose_b ? b[b.size() - 2] : b.back();
  if (s.k != kb) return ShapeMismatchError("Matmul inner dimension", {s.k}, {kb});
  const Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  KPU_ASSIGN_OR_RETURN(s.batch, BroadcastShapes(ab, bb));
  s.a_batch.assign(s.batch.size() - ab.size(), 1);
  s.a_batch.insert(s.a_batch.end(), ab.begin(), ab.end());
  s.b_batch.assign(s.batch.size() - bb.size(), 1);
  s.b_batch.insert(s.b_batch.end(), bb.begin(), bb.end());
  return s;
}

namespace {

absl::StatusOr<std::vector<TensorType>> InferMatmul(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  KPU_RETURN_IF_ERROR(RequireOneOf(GetString(node.attributes(), "activation", "none"), EpilogueActivations(),
                                   "activation"));
  const bool tb = GetInt(node.attributes(), "transpose_b", 0) != 0;
  KPU_ASSIGN_OR_RETURN(MatmulShape s, MatmulShapeOf(in[0].shape, in[1].shape, tb));
  if (in.size() == 3 && in[2].shape != Shape{s.n}) return ShapeMismatchError("Bias", {s.n}, in[2].shape);
  Shape out = s.batch;
  out.push_back(s.m);
  out.push_back(s.n);
  return One(in[0].dtype, out);
}

// torch.nn.functional.linear: x[..., K], W[N, K], b[N] -> [..., N]
absl::StatusOr<std::vector<TensorType>> InferLinear(const ir::Node&, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  const Shape& x = in[0].shape;
  const Shape& w = in[1].shape;
  if (x.empty() || w.size() != 2) {
    return InvalidArgumentError(absl::StrCat("needs x of rank >= 1 and a weight of rank 2, got ", FormatShape(x),
                                             " and ", FormatShape(w)));
  }
  if (x.back() != w[1]) return ShapeMismatchError("Linear input features", {w[1]}, {x.back()});
  if (in.size() == 3 && in[2].shape != Shape{w[0]}) return ShapeMismatchError("Bias", {w[0]}, in[2].shape);
  Shape out = x;
  out.back() = w[0];
  return One(in[0].dtype, out);
}

}  // namespace

void RegisterMatmulOps(OpRegistry& r) {
  r.Register({"matmul",
              "torch.matmul(A, B.transpose(-1, -2) if transpose_b else B) + bias, then the activation; "
              "batch dims broadcast (bmm)",
              2, 3, 1,
              {{"transpose_b", AttrType::kInt, false, "B is stored [..., N, K]"},
               {"activation", AttrType::kString, false, "fused epilogue: none relu relu6 silu hardswish sigmoid"}},
              kFloatTypes, InferMatmul});
  r.Register({"linear", "torch.nn.functional.linear(x, W, b)", 2, 3, 1, {}, kFloatTypes, InferLinear});
}

}  // namespace kpu::ops
