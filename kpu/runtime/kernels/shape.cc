// Ops that only move elements: reshape, permute, concat, split, slice (any dtype with whole-byte
// elements, since they copy bytes) and constant pad (fp32, which needs the fill value's type).
#include <cstring>
#include <vector>

#include "kpu/ir/dtype.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/shape_ops.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {
namespace {

const ir::DataType kByteTypes[] = {ir::FLOAT32, ir::FLOAT16, ir::BFLOAT16, ir::INT8,
                                   ir::UINT8,   ir::INT32,   ir::INT64,    ir::BOOL};

int64_t Product(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t d = from; d < to; ++d) p *= s[d];
  return p;
}

absl::Status SameDTypes(const char* op, const KernelArgs& args) {
  for (const auto& v : args.inputs) {
    if (v.dtype != args.inputs[0].dtype) return InvalidArgumentError(absl::StrCat(op, " kernel: mixed dtypes"));
  }
  for (const auto& v : args.outputs) {
    if (v.dtype != args.inputs[0].dtype) return InvalidArgumentError(absl::StrCat(op, " kernel: output dtype differs"));
  }
  return absl::OkStatus();
}

// Reshape is an alias in the memory planner; when the planner gives it its own buffer, copy.
absl::Status ReshapeAny(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("reshape", args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate("reshape", args));
  KPU_RETURN_IF_ERROR(SameDTypes("reshape", args));
  const int64_t n = NumElements(args.inputs[0].shape);
  if (NumElements(args.output().shape) != n) {
    return InvalidArgumentError(absl::StrCat("reshape kernel: ", FormatShape(args.inputs[0].shape), " -> ",
                                             FormatShape(args.output().shape), " changes the element count"));
  }
  if (args.output().data != args.inputs[0].data) {
    std::memmove(args.output().data, args.inputs[0].data, n * DTypeSize(args.inputs[0].dtype));
  }
  return absl::OkStatus();
}

template <typename T>
void PermuteTyped(const T* x, T* y, const Shape& out, const std::vector<int64_t>& in_stride) {
  const int rank = static_cast<int>(out.size());
  const int64_t inner = rank ? out[rank - 1] : 1, s_inner = rank ? in_stride[rank - 1] : 0;
  const int64_t rows = NumElements(out) / std::max<int64_t>(inner, 1);
  std::vector<int64_t> idx(rank, 0);
  int64_t off = 0;
  for (int64_t r = 0; r < rows; ++r, y += inner) {
    for (int64_t i = 0; i < inner; ++i) y[i] = x[off + i * s_inner];
    for (int d = rank - 2; d >= 0; --d) {
      off += in_stride[d];
      if (++idx[d] < out[d]) break;
      off -= in_stride[d] * out[d];
      idx[d] = 0;
    }
  }
}

absl::Status PermuteAny(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("permute", args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate("permute", args));
  KPU_RETURN_IF_ERROR(SameDTypes("permute", args));
  const Shape& x = args.inputs[0].shape;
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ops::GetInts(args.attributes, "perm", {}, static_cast<int>(x.size())));
  std::vector<int64_t> stride(x.size()), out_stride(x.size());
  Shape out(x.size());
  int64_t s = 1;
  for (int d = static_cast<int>(x.size()) - 1; d >= 0; --d) {
    stride[d] = s;
    s *= x[d];
  }
  for (size_t d = 0; d < x.size(); ++d) {
    KPU_ASSIGN_OR_RETURN(int64_t p, NormalizeAxis(perm[d], static_cast<int64_t>(x.size())));
    out[d] = x[p];
    out_stride[d] = stride[p];
  }
  KPU_RETURN_IF_ERROR(ExpectShape("permute", "output", args.output().shape, out));
  const void* px = args.inputs[0].data;
  void* py = args.output().data;
  switch (DTypeSize(args.inputs[0].dtype)) {
    case 1: PermuteTyped(static_cast<const uint8_t*>(px), static_cast<uint8_t*>(py), out, out_stride); break;
    case 2: PermuteTyped(static_cast<const uint16_t*>(px), static_cast<uint16_t*>(py), out, out_stride); break;
    case 4: PermuteTyped(static_cast<const uint32_t*>(px), static_cast<uint32_t*>(py), out, out_stride); break;
    case 8: PermuteTyped(static_cast<const uint64_t*>(px), static_cast<uint64_t*>(py), out, out_stride); break;
    default: return InvalidArgumentError("permute kernel: unsupported element size");
  }
  return absl::OkStatus();
}

// concat and split move blocks of (extent along axis) * inner elements for every outer index.
absl::Status ConcatAny(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(NoAccumulate("concat", args));
  KPU_RETURN_IF_ERROR(SameDTypes("concat", args));
  const Shape& out = args.output().shape;
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(args.attributes, "axis", 0), static_cast<int64_t>(out.size())));
  const size_t esize = DTypeSize(args.output().dtype);
  const int64_t outer = Product(out, 0, axis), inner = Product(out, axis + 1, out.size()) * esize;
  int64_t offset = 0;
  char* y = static_cast<char*>(args.output().data);
  for (const ConstTensorView& in : args.inputs) {
    Shape want = out;
    want[axis] = in.shape.size() == out.size() ? in.shape[axis] : -1;
    KPU_RETURN_IF_ERROR(ExpectShape("concat", "input", in.shape, want));
    const int64_t block = in.shape[axis] * inner;
    const char* x = static_cast<const char*>(in.data);
    for (int64_t o = 0; o < outer; ++o) std::memcpy(y + o * out[axis] * inner + offset, x + o * block, block);
    offset += block;
  }
  if (offset != out[axis] * inner) return InvalidArgumentError("concat kernel: inputs do not fill the output");
  return absl::OkStatus();
}

absl::Status SplitAny(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("split", args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate("split", args));
  KPU_RETURN_IF_ERROR(SameDTypes("split", args));
  const Shape& x = args.inputs[0].shape;
  KPU_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(GetInt(args.attributes, "axis", 0), static_cast<int64_t>(x.size())));
  const size_t esize = DTypeSize(args.inputs[0].dtype);
  const int64_t outer = Product(x, 0, axis), inner = Product(x, axis + 1, x.size()) * esize;
  int64_t offset = 0;
  const char* px = static_cast<const char*>(args.inputs[0].data);
  for (const TensorView& out : args.outputs) {
    Shape want = x;
    want[axis] = out.shape.size() == x.size() ? out.shape[axis] : -1;
    KPU_RETURN_IF_ERROR(ExpectShape("split", "output", out.shape, want));
    const int64_t block = out.shape[axis] * inner;
    if (offset + block > x[axis] * inner) return InvalidArgumentError("split kernel: outputs exceed the input");
    char* y = static_cast<char*>(out.data);
    for (int64_t o = 0; o < outer; ++o) std::memcpy(y + o * block, px + o * x[axis] * inner + offset, block);
    offset += block;
  }
  return absl::OkStatus();
}

absl::Status SliceAny(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("slice", args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate("slice", args));
  KPU_RETURN_IF_ERROR(SameDTypes("slice", args));
  const Shape& x = args.inputs[0].shape;
  KPU_ASSIGN_OR_RETURN(ops::SliceRange r, ops::SliceRangeOf(args.attributes, x));
  Shape out = x;
  out[r.axis] = r.length;
  KPU_RETURN_IF_ERROR(ExpectShape("slice", "output", args.output().shape, out));
  const size_t esize = DTypeSize(args.inputs[0].dtype);
  const int64_t outer = Product(x, 0, r.axis), inner = Product(x, r.axis + 1, x.size()) * esize;
  const char* px = static_cast<const char*>(args.inputs[0].data);
  char* y = static_cast<char*>(args.output().data);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < r.length; ++i, y += inner) {
      std::memcpy(y, px + (o * x[r.axis] + r.start + i * r.step) * inner, inner);
    }
  }
  return absl::OkStatus();
}

absl::Status PadF32(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("pad", args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate("pad", args));
  const Shape& x = args.inputs[0].shape;
  const size_t rank = x.size();
  KPU_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ops::PadsOf(args.attributes, rank));
  Shape out = x;
  for (size_t d = 0; d < rank; ++d) out[d] += pads[d] + pads[d + rank];
  KPU_RETURN_IF_ERROR(ExpectShape("pad", "output", args.output().shape, out));
  const float value = static_cast<float>(GetFloat(args.attributes, "value", 0.0));
  float* y = args.output().as<float>();
  std::fill(y, y + NumElements(out), value);
  if (NumElements(x) == 0) return absl::OkStatus();
  // Copy each input row (last dim) to its place in the output.
  const int64_t row = rank ? x[rank - 1] : 1;
  const int64_t rows = NumElements(x) / row;
  const float* px = args.inputs[0].as<float>();
  std::vector<int64_t> idx(rank, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (size_t d = 0; d < rank; ++d) off = off * out[d] + idx[d] + pads[d];
    std::copy(px + r * row, px + (r + 1) * row, y + off);
    for (int d = static_cast<int>(rank) - 2; d >= 0; --d) {
      if (++idx[d] < x[d]) break;
      idx[d] = 0;
    }
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterShapeKernels(KernelRegistry& r) {
  for (ir::DataType t : kByteTypes) {
    r.Add("reshape", t, ReshapeAny);
    r.Add("permute", t, PermuteAny);
    r.Add("concat", t, ConcatAny);
    r.Add("split", t, SplitAny);
    r.Add("slice", t, SliceAny);
  }
  r.Add("pad", ir::FLOAT32, PadF32);
}

}  // namespace kpu::runtime
