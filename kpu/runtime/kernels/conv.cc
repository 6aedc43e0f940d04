// conv2d on oneDNN (the library PyTorch's own CPU convolutions use): stride, asymmetric padding,
// dilation, groups (depthwise included) and bias, with the residual add and the activation fused
// as post-ops. oneDNN picks the blocked layouts it runs fastest in; the kernel reorders NCHW in and
// out, and caches primitives per shape and attributes.
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/ops/conv.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"
#include "kpu/runtime/kernels/onednn.h"

namespace kpu::runtime {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct ConvPlan {
  onednn::SharedPrimitive prim;
  memory::desc src_md, wei_md, dst_md;           // the layouts the primitive runs in
  memory::desc user_src, user_wei, user_dst, bias_md;
  bool reorder_src = false, reorder_wei = false, reorder_dst = false;
  // Reorders between NCHW and the primitive's layouts, created with the plan (creating them per
  // call costs more than running them on small tensors).
  onednn::SharedPrimitive src_in, wei_in, dst_in, dst_out;
};

bool EltwiseFor(const std::string& act, dnnl::algorithm* alg, float* alpha, float* beta) {
  *alpha = 0.0f;
  *beta = 0.0f;
  if (act == "relu") *alg = dnnl::algorithm::eltwise_relu;
  else if (act == "relu6") { *alg = dnnl::algorithm::eltwise_clip; *beta = 6.0f; }
  else if (act == "silu") { *alg = dnnl::algorithm::eltwise_swish; *alpha = 1.0f; }
  else if (act == "hardswish") *alg = dnnl::algorithm::eltwise_hardswish;
  else if (act == "sigmoid") *alg = dnnl::algorithm::eltwise_logistic;
  else return false;
  return true;
}

std::shared_ptr<ConvPlan> BuildPlan(const Shape& x, const Shape& w, const Shape& y, const ops::Conv2dAttrs& a,
                                    bool bias, bool residual, bool accumulate) {
  auto p = std::make_shared<ConvPlan>();
  const memory::dims src_dims = {x[0], x[1], x[2], x[3]};
  const memory::dims dst_dims = {y[0], y[1], y[2], y[3]};
  memory::dims wei_dims;
  if (a.groups == 1) {
    wei_dims = {w[0], w[1], w[2], w[3]};
    p->user_wei = memory::desc(wei_dims, dt::f32, tag::oihw);
  } else {
    wei_dims = {a.groups, w[0] / a.groups, w[1], w[2], w[3]};
    p->user_wei = memory::desc(wei_dims, dt::f32, tag::goihw);
  }
  p->user_src = memory::desc(src_dims, dt::f32, tag::nchw);
  p->user_dst = memory::desc(dst_dims, dt::f32, tag::nchw);
  p->bias_md = memory::desc({w[0]}, dt::f32, tag::x);
  const memory::desc src_any(src_dims, dt::f32, tag::any), dst_any(dst_dims, dt::f32, tag::any),
      wei_any(wei_dims, dt::f32, tag::any);
  const memory::dims strides = {a.stride[0], a.stride[1]};
  const memory::dims dilates = {a.dilation[0] - 1, a.dilation[1] - 1};  // oneDNN counts added gaps
  const memory::dims pad_l = {a.padding[0], a.padding[1]}, pad_r = {a.padding[2], a.padding[3]};
  auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                     dnnl::algorithm::convolution_direct, src_any, wei_any, p->bias_md,
                                                     dst_any, strides, dilates, pad_l, pad_r)
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                     dnnl::algorithm::convolution_direct, src_any, wei_any, dst_any,
                                                     strides, dilates, pad_l, pad_r);
  dnnl::post_ops ops;
  if (residual || accumulate) ops.append_sum(1.0f);
  dnnl::algorithm alg;
  float alpha, beta;
  if (EltwiseFor(a.activation, &alg, &alpha, &beta)) ops.append_eltwise(1.0f, alg, alpha, beta);
  dnnl::primitive_attr attr = onednn::SharedPrimitiveAttr();
  attr.set_post_ops(ops);
  dnnl::convolution_forward::primitive_desc pd(desc, attr, onednn::Engine());
  p->prim = {dnnl::convolution_forward(pd), pd.scratchpad_desc()};
  p->src_md = pd.src_desc();
  p->wei_md = pd.weights_desc();
  p->dst_md = pd.dst_desc();
  p->reorder_src = p->src_md != p->user_src;
  p->reorder_wei = p->wei_md != p->user_wei;
  p->reorder_dst = p->dst_md != p->user_dst;
  if (p->reorder_src) p->src_in = onednn::MakeReorder(p->user_src, p->src_md);
  if (p->reorder_wei) p->wei_in = onednn::MakeReorder(p->user_wei, p->wei_md);
  if (p->reorder_dst) {
    p->dst_in = onednn::MakeReorder(p->user_dst, p->dst_md);
    p->dst_out = onednn::MakeReorder(p->dst_md, p->user_dst);
  }
  return p;
}

onednn::PlanCache<ConvPlan>& Plans() {
  static auto* cache = new onednn::PlanCache<ConvPlan>();
  return *cache;
}

absl::Status Conv2dF32(const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs("conv2d", args, 2, 4));
  KPU_ASSIGN_OR_RETURN(ops::Conv2dAttrs a, ops::Conv2dAttrsOf(args.attributes));
  const Shape& x = args.inputs[0].shape;
  const Shape& w = args.inputs[1].shape;
  KPU_ASSIGN_OR_RETURN(Shape y, ops::Conv2dOutputShape(x, w, a));
  KPU_RETURN_IF_ERROR(ExpectShape("conv2d", "output", args.output().shape, y));
  const bool bias = args.inputs.size() >= 3, residual = args.inputs.size() == 4;
  if (bias) KPU_RETURN_IF_ERROR(ExpectShape("conv2d", "bias", args.inputs[2].shape, {w[0]}));
  if (residual) KPU_RETURN_IF_ERROR(ExpectShape("conv2d", "residual", args.inputs[3].shape, y));
  if (residual && args.accumulate) return InvalidArgumentError("conv2d kernel: a residual tile cannot accumulate");
  if (NumElements(y) == 0) return absl::OkStatus();
  const std::string key =
      absl::StrCat(absl::StrJoin(x, ","), "|", absl::StrJoin(w, ","), "|", absl::StrJoin(a.stride, ","), "|",
                   absl::StrJoin(a.padding, ","), "|", absl::StrJoin(a.dilation, ","), "|", a.groups, "|", a.activation,
                   "|", bias, residual, args.accumulate);
  std::shared_ptr<const ConvPlan> plan;
  try {
    plan = Plans().GetOrBuild(key, [&] { return BuildPlan(x, w, y, a, bias, residual, args.accumulate); });
  } catch (const dnnl::error& e) {
    return MakeError(ErrorKind::kInternal, absl::StrCat("conv2d kernel: oneDNN cannot build a convolution for x ", FormatShape(x),
                                      ", w ", FormatShape(w), ": ", e.what()));
  }
  try {
    dnnl::engine& eng = onednn::Engine();
    dnnl::stream s(eng);
    memory user_src(plan->user_src, eng, const_cast<void*>(args.inputs[0].data));
    memory user_wei(plan->user_wei, eng, const_cast<void*>(args.inputs[1].data));
    memory user_dst(plan->user_dst, eng, args.output().data);
    memory src = plan->reorder_src ? memory(plan->src_md, eng) : user_src;
    memory wei = user_wei;
    memory dst = plan->reorder_dst ? memory(plan->dst_md, eng) : user_dst;
    if (plan->reorder_src) plan->src_in.Execute(s, user_src, src);
    if (plan->reorder_wei) {
      KernelState* state = args.inputs[1].constant ? args.state : nullptr;
      if (state != nullptr && state->key == key) {
        wei = *std::static_pointer_cast<memory>(state->data);
      } else {
        wei = memory(plan->wei_md, eng);
        plan->wei_in.Execute(s, user_wei, wei);
        if (state != nullptr) {
          state->key = key;
          state->data = std::make_shared<memory>(wei);
        }
      }
    }
    // The sum post-op adds what dst holds: the residual, or the partial sums being accumulated.
    if (residual) {
      memory res(plan->user_dst, eng, const_cast<void*>(args.inputs[3].data));
      if (plan->reorder_dst) {
        plan->dst_in.Execute(s, res, dst);
      } else if (args.inputs[3].data != args.output().data) {
        std::memmove(args.output().data, args.inputs[3].data, NumElements(y) * sizeof(float));
      }
    } else if (args.accumulate && plan->reorder_dst) {
      plan->dst_in.Execute(s, user_dst, dst);
    }
    std::unordered_map<int, memory> run = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (bias) run[DNNL_ARG_BIAS] = memory(plan->bias_md, eng, const_cast<void*>(args.inputs[2].data));
    plan->prim.Execute(s, std::move(run));
    if (plan->reorder_dst) plan->dst_out.Execute(s, dst, user_dst);
    s.wait();
  } catch (const dnnl::error& e) {
    return MakeError(ErrorKind::kInternal, absl::StrCat("conv2d kernel: oneDNN failed: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterConvKernels(KernelRegistry& r) { r.Add("conv2d", ir::FLOAT32, Conv2dF32); }

}  // namespace kpu::runtime
