// Reductions over a set of axes: mean, sum, amax (torch.mean/sum/amax with dim and keepdim).
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/shape_ops.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferReduce(const ir::Node& node, const std::vector<TensorType>& in) {
  const Shape& x = in[0].shape;
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReduceAxesOf(node.attributes(), x.size()));
  const bool keep = GetInt(node.attributes(), "keepdim", 0) != 0;
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (reduced && x[d] == 0 && node.op_type() == "amax") return InvalidArgumentError("amax of an empty axis");
    if (!reduced) out.push_back(x[d]);
    else if (keep) out.push_back(1);
  }
  return One(in[0].dtype, out);
}

void Reduce(OpRegistry& r, const std::string& name, const std::string& semantics) {
  r.Register({name, semantics, 1, 1, 1,
              {{"axes", AttrType::kInts, false, "reduced axes; absent or empty: all"},
               {"keepdim", AttrType::kInt, false, "default 0"}},
              kFloatTypes, InferReduce});
}

}  // namespace

void RegisterReduceOps(OpRegistry& r) {
  Reduce(r, "mean", "torch.mean(x, dim=axes, keepdim)");
  Reduce(r, "sum", "torch.sum(x, dim=axes, keepdim)");
  Reduce(r, "amax", "torch.amax(x, dim=axes, keepdim)");
}

}  // namespace kpu::ops
