// upsample_nearest2d and upsample_bilinear2d on NCHW tensors, to an explicit output size.
#include "kpu/ir/ops/resize.h"

#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu::ops {
namespace {

absl::StatusOr<std::vector<TensorType>> InferResize(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(RequireRank(in[0].shape, 4, "input"));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> size, GetInts(node.attributes(), "output_size", {}, 2));
  KPU_RETURN_IF_ERROR(RequireAtLeast(size, 1, "output_size"));
  const Shape& x = in[0].shape;
  if (x[2] < 1 || x[3] < 1) return InvalidArgumentError("cannot resize an empty image");
  return One(in[0].dtype, {x[0], x[1], size[0], size[1]});
}

}  // namespace

void RegisterResizeOps(OpRegistry& r) {
  r.Register({"upsample_nearest2d", "F.interpolate(x, size=output_size, mode='nearest'): src = floor(dst * in / out)",
              1, 1, 1, {{"output_size", AttrType::kInts, true, "(oh, ow)"}}, kFloatTypes, InferResize});
  r.Register({"upsample_bilinear2d", "F.interpolate(x, size=output_size, mode='bilinear', align_corners)", 1, 1, 1,
              {{"output_size", AttrType::kInts, true, "(oh, ow)"},
               {"align_corners", AttrType::kInt, false, "default 0"}},
              kFloatTypes, InferResize});
}

}  // namespace kpu::ops
