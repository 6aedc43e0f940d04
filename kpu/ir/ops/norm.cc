// batch_norm in eval mode: the statistics are inputs (constants after torch's freezing, which the
// compiler folds into a preceding conv or linear when it can).
#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferBatchNorm(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  const Shape& x = in[0].shape;
  if (x.size() < 2) return InvalidArgumentError(absl::StrCat("input must have rank >= 2, got ", FormatShape(x)));
  const char* names[] = {"weight", "bias", "running_mean", "running_var"};
  for (int i = 1; i < 5; ++i) {
    if (in[i].shape != Shape{x[1]}) return ShapeMismatchError(absl::StrCat("batch_norm ", names[i - 1]), {x[1]}, in[i].shape);
  }
  if (GetFloat(node.attributes(), "epsilon", 1e-5) < 0) return InvalidArgumentError("epsilon must be >= 0");
  return One(in[0].dtype, x);
}

}  // namespace

void RegisterNormOps(OpRegistry& r) {
  r.Register({"batch_norm",
              "F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=epsilon) over dim 1",
              5, 5, 1, {{"epsilon", AttrType::kFloat, false, "default 1e-5"}}, kFloatTypes, InferBatchNorm});
}

}  // namespace kpu::ops
