// Ops that move elements without arithmetic: reshape (a zero-copy alias for the planner),
// permute, concat, split, slice and constant pad.
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/all_ops.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/shape_ops.h"

namespace kpu::ops {
namespace {

int64_t Rank(const TensorType& t) { return static_cast<int64_t>(t.shape.size()); }

absl::StatusOr<std::vector<TensorType>> InferReshape(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> shape, GetInts(node.attributes(), "shape", {}, -1));
  KPU_ASSIGN_OR_RETURN(int64_t total, CheckedNumElements(in[0].shape));
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) return InvalidArgumentError("shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (shape[i] < 0) return InvalidArgumentError(absl::StrCat("shape has a negative dimension ", shape[i]));
    KPU_ASSIGN_OR_RETURN(known, CheckedMul(known, shape[i]));
  }
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      return InvalidArgumentError(absl::StrCat("cannot reshape ", FormatShape(in[0].shape), " (", total,
                                               " elements) into (", absl::StrJoin(shape, ","), ")"));
    }
    shape[infer_at] = total / known;
    known = total;
  }
  if (known != total) {
    return InvalidArgumentError(absl::StrCat("cannot reshape ", FormatShape(in[0].shape), " (", total,
                                             " elements) into ", FormatShape(shape), " (", known, " elements)"));
  }
  return One(in[0].dtype, shape);
}

absl::StatusOr<std::vector<TensorType>> InferPermute(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> perm, GetInts(node.attributes(), "perm", {}, static_cast<int>(Rank(in[0]))));
  std::vector<bool> seen(perm.size(), false);
  Shape out;
  for (int64_t p : perm) {
    KPU_ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(p, Rank(in[0])));
    if (seen[a]) return InvalidArgumentError(absl::StrCat("perm (", absl::StrJoin(perm, ","), ") repeats axis ", p));
    seen[a] = true;
    out.push_back(in[0].shape[a]);
  }
  return One(in[0].dtype, out);
}

absl::StatusOr<std::vector<TensorType>> InferConcat(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_RETURN_IF_ERROR(SameDType(in));
  if (Rank(in[0]) == 0) return InvalidArgumentError("cannot concatenate scalars");
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", 0), Rank(in[0])));
  Shape out = in[0].shape;
  for (size_t i = 1; i < in.size(); ++i) {
    Shape expect = out;
    expect[axis] = in[i].shape.size() == out.size() ? in[i].shape[axis] : 0;
    if (in[i].shape != expect) {
      return ShapeMismatchError(absl::StrCat("Concat input ", i, " (all dims but axis ", axis, " must match)"),
                                expect, in[i].shape);
    }
    KPU_ASSIGN_OR_RETURN(out[axis], CheckedAdd(out[axis], in[i].shape[axis]));
  }
  return One(in[0].dtype, out);
}

absl::StatusOr<std::vector<TensorType>> InferSplit(const ir::Node& node, const std::vector<TensorType>& in) {
  if (Rank(in[0]) == 0) return InvalidArgumentError("cannot split a scalar");
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(node.attributes(), "axis", 0), Rank(in[0])));
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, GetInts(node.attributes(), "sizes", {}, -1));
  if (sizes.empty()) return InvalidArgumentError("sizes is empty");
  KPU_RETURN_IF_ERROR(RequireAtLeast(sizes, 0, "sizes"));
  int64_t sum = 0;
  std::vector<TensorType> out;
  for (int64_t s : sizes) {
    KPU_ASSIGN_OR_RETURN(sum, CheckedAdd(sum, s));
    Shape shape = in[0].shape;
    shape[axis] = s;
    out.push_back({in[0].dtype, shape});
  }
  if (sum != in[0].shape[axis]) {
    return InvalidArgumentError(absl::StrCat("sizes (", absl::StrJoin(sizes, ","), ") sum to ", sum, ", but axis ",
                                             axis, " of ", FormatShape(in[0].shape), " has ", in[0].shape[axis]));
  }
  return out;
}

absl::StatusOr<std::vector<TensorType>> InferSlice(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_ASSIGN_OR_RETURN(SliceRange r, SliceRangeOf(node.attributes(), in[0].shape));
  Shape out = in[0].shape;
  out[r.axis] = r.length;
  return One(in[0].dtype, out);
}

absl::StatusOr<std::vector<TensorType>> InferPad(const ir::Node& node, const std::vector<TensorType>& in) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> pads, PadsOf(node.attributes(), in[0].shape.size()));
  Shape out = in[0].shape;
  const size_t rank = out.size();
  for (size_t d = 0; d < rank; ++d) {
    KPU_ASSIGN_OR_RETURN(out[d], CheckedAdd(out[d], pads[d]));
    KPU_ASSIGN_OR_RETURN(out[d], CheckedAdd(out[d], pads[d + rank]));
  }
  return One(in[0].dtype, out);
}

}  // namespace

absl::StatusOr<SliceRange> SliceRangeOf(const AttrMap& attrs, const Shape& x) {
  if (x.empty()) return InvalidArgumentError("cannot slice a scalar");
  SliceRange r;
  KPU_ASSIGN_OR_RETURN(r.axis, NormalizeAxis(GetInt(attrs, "axis", 0), static_cast<int64_t>(x.size())));
  r.step = GetInt(attrs, "step", 1);
  if (r.step < 1) return InvalidArgumentError(absl::StrCat("step must be positive, got ", r.step));
  const int64_t dim = x[r.axis];
  auto clamp = [dim](int64_t v) {
    if (v < 0) v = v < -dim ? 0 : v + dim;
    return std::min(v, dim);
  };
  r.start = clamp(GetInt(attrs, "start", 0));
  const int64_t end = clamp(GetInt(attrs, "end", std::numeric_limits<int64_t>::max()));
  r.length = end > r.start ? (end - r.start + r.step - 1) / r.step : 0;
  return r;
}

absl::StatusOr<std::vector<int64_t>> PadsOf(const AttrMap& attrs, size_t rank) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> pads, GetInts(attrs, "pads", {}, static_cast<int>(2 * rank)));
  KPU_RETURN_IF_ERROR(RequireAtLeast(pads, 0, "pads"));
  return pads;
}

absl::StatusOr<std::vector<int64_t>> ReduceAxesOf(const AttrMap& attrs, size_t rank) {
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> axes, GetInts(attrs, "axes", {}, -1));
  std::vector<int64_t> out;
  if (axes.empty()) {
    for (size_t d = 0; d < rank; ++d) out.push_back(static_cast<int64_t>(d));
    return out;
  }
  for (int64_t a : axes) {
    KPU_ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(a, static_cast<int64_t>(rank)));
    if (std::find(out.begin(), out.end(), n) != out.end()) {
      return InvalidArgumentError(absl::StrCat("axes (", absl::StrJoin(axes, ","), ") repeat axis ", a));
    }
    out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RegisterShapeOps(OpRegistry& r) {
  r.Register({"reshape", "x.reshape(shape) (view, flatten, squeeze, unsqueeze); -1 allowed once", 1, 1, 1,
              {{"shape", AttrType::kInts, true, "the new shape"}}, kFloatTypes, InferReshape});
  r.Register({"permute", "x.permute(perm) (transpose)", 1, 1, 1, {{"perm", AttrType::kInts, true, "axis order"}},
              kFloatTypes, InferPermute});
  r.Register({"concat", "torch.cat(xs, dim=axis)", 1, std::numeric_limits<int>::max(), 1,
              {{"axis", AttrType::kInt, false, "default 0"}}, kFloatTypes, InferConcat});
  r.Register({"split", "torch.split(x, sizes, dim=axis) (chunk too); one output per size", 1, 1, kVariableOutputs,
              {{"axis", AttrType::kInt, false, "default 0"}, {"sizes", AttrType::kInts, true, "output extents"}},
              kFloatTypes, InferSplit});
  r.Register({"slice", "x[..., start:end:step] along axis; start and end clamped like Python", 1, 1, 1,
              {{"axis", AttrType::kInt, false, "default 0"},
               {"start", AttrType::kInt, false, "default 0"},
               {"end", AttrType::kInt, false, "default: to the end"},
               {"step", AttrType::kInt, false, "default 1, positive"}},
              kFloatTypes, InferSlice});
  r.Register({"pad", "F.pad(x, pads, mode='constant', value=value), pads [d0_begin, d1_begin, ..., d0_end, ...]", 1, 1,
              1,
              {{"pads", AttrType::kInts, true, "2 * rank non-negative values"},
               {"value", AttrType::kFloat, false, "default 0"}},
              kFloatTypes, InferPad});
}

}  // namespace kpu::ops
