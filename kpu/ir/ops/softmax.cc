// softmax and log_softmax along one axis.
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferSoftmax(const ir::Node& node, const std::vector<TensorType>& in) {
  if (in[0].shape.empty()) return InvalidArgumentError("softmax of a scalar");
  KPU_RETURN_IF_ERROR(
      NormalizeAxis(GetInt(node.attributes(), "axis", -1), static_cast<int64_t>(in[0].shape.size())).status());
  return std::vector<TensorType>{in[0]};
}

}  // namespace

void RegisterSoftmaxOps(OpRegistry& r) {
  r.Register({"softmax", "torch.softmax(x, dim=axis)", 1, 1, 1, {{"axis", AttrType::kInt, false, "default -1"}},
              kFloatTypes, InferSoftmax});
  r.Register({"log_softmax", "torch.log_softmax(x, dim=axis)", 1, 1, 1,
              {{"axis", AttrType::kInt, false, "default -1"}}, kFloatTypes, InferSoftmax});
}

}  // namespace kpu::ops
