#include "kpu/runtime/kernels.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels/all_kernels.h"

namespace kpu::runtime {

void KernelRegistry::Add(const std::string& op, ir::DataType dtype, KernelFn fn) { table_[op][dtype] = fn; }

const std::map<std::string, std::map<ir::DataType, KernelFn>>& Kernels() {
  static const KernelRegistry* registry = [] {
    auto* r = new KernelRegistry();
    RegisterMatmulKernels(*r);
    RegisterElementwiseKernels(*r);
    RegisterConvKernels(*r);
    RegisterConvTransposeKernels(*r);
    RegisterPoolKernels(*r);
    RegisterNormKernels(*r);
    RegisterShapeKernels(*r);
    RegisterReduceKernels(*r);
    RegisterSoftmaxKernels(*r);
    RegisterResizeKernels(*r);
    return r;
  }();
  return registry->table();
}

absl::StatusOr<KernelFn> FindKernel(const std::string& op, ir::DataType dtype) {
  auto it = Kernels().find(op);
  if (it == Kernels().end()) return UnsupportedOpsError({op});
  auto k = it->second.find(dtype);
  if (k == it->second.end()) {
    return UnimplementedError(absl::StrCat("Type ", DTypeName(dtype), " is currently not supported by ", op));
  }
  return k->second;
}

namespace {

absl::Status CheckView(const std::string& op, const char* what, size_t i, ir::DataType dtype, const Shape& shape,
                       const void* data) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) {
      return InvalidArgumentError(absl::StrCat(op, " kernel: ", what, " ", i, " has a bad shape ", FormatShape(shape)));
    }
  }
  if (n > 0 && data == nullptr) return InvalidArgumentError(absl::StrCat(op, " kernel: ", what, " ", i, " has no data"));
  KPU_RETURN_IF_ERROR(BytesFor(dtype, n).status());
  return absl::OkStatus();
}

}  // namespace

absl::Status RunKernel(const std::string& op, const KernelArgs& args) {
  if (args.inputs.empty() || args.outputs.empty()) {
    return InvalidArgumentError(absl::StrCat(op, " kernel: needs at least one input and one output"));
  }
  for (size_t i = 0; i < args.inputs.size(); ++i) {
    const ConstTensorView& v = args.inputs[i];
    KPU_RETURN_IF_ERROR(CheckView(op, "input", i, v.dtype, v.shape, v.data));
  }
  for (size_t i = 0; i < args.outputs.size(); ++i) {
    const TensorView& v = args.outputs[i];
    KPU_RETURN_IF_ERROR(CheckView(op, "output", i, v.dtype, v.shape, v.data));
  }
  // A kernel is registered for one dtype and reads and writes every operand in it; a tile whose
  // region names another dtype would be a buffer of the wrong element size (a hostile .kpu once
  // wrote fp32 results into an fp16-sized tile). Kernels with operands of other dtypes (int8
  // inputs, int32 accumulators) will declare them when they are registered.
  const ir::DataType dtype = args.inputs[0].dtype;
  for (size_t i = 1; i < args.inputs.size(); ++i) {
    if (args.inputs[i].dtype != dtype) {
      return InvalidArgumentError(absl::StrCat(op, " kernel: input ", i, " is ", DTypeName(args.inputs[i].dtype),
                                               ", input 0 is ", DTypeName(dtype)));
    }
  }
  for (size_t i = 0; i < args.outputs.size(); ++i) {
    if (args.outputs[i].dtype != dtype) {
      return InvalidArgumentError(absl::StrCat(op, " kernel: output ", i, " is ", DTypeName(args.outputs[i].dtype),
                                               ", its inputs are ", DTypeName(dtype)));
    }
  }
  KPU_ASSIGN_OR_RETURN(KernelFn fn, FindKernel(op, dtype));
  return fn(args);
}

}  // namespace kpu::runtime
