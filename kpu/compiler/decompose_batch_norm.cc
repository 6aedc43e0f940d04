// Rewrite: a batch_norm that FoldBatchNorm could not fold (its input is no conv or matmul of its
// own, or fusion is off), with constant weight, bias and statistics, becomes
//   mul(x, s) then add(_, t),  s = weight / sqrt(var + eps),  t = bias - mean * s
// with s and t of shape [C, 1, ...] so they broadcast over dim 1. Both are lowered vector ops.
// Runs only while the compiler has no batch_norm lowering of its own.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/rewrite.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

class DecomposeBatchNormRule : public RewriteRule {
 public:
  std::string Name() const override { return "DecomposeBatchNorm"; }
  std::set<std::string> TargetOps() const override { return {"batch_norm"}; }

  bool SatisfyCondition(const RewriteContext& ctx, int node) const override {
    const ir::Node& bn = ctx.graph()->nodes(node);
    if (bn.inputs_size() != 5) return false;
    for (int i = 1; i < 5; ++i) {
      if (!ctx.IsFloatConstant(bn.inputs(i))) return false;
    }
    const ir::Tensor* x = ctx.Find(bn.inputs(0));
    return x != nullptr && x->dtype() == ir::FLOAT32 && x->shape_size() >= 2;
  }

  absl::Status Apply(RewriteContext& ctx, int node, std::vector<FusionRecord>*) const override {
    const ir::Node bn = ctx.graph()->nodes(node);
    const std::vector<float> gamma = ctx.FloatValues(bn.inputs(1)), beta = ctx.FloatValues(bn.inputs(2)),
                             mean = ctx.FloatValues(bn.inputs(3)), var = ctx.FloatValues(bn.inputs(4));
    const double eps = GetFloat(bn.attributes(), "epsilon", 1e-5);
    const ir::Tensor* x = ctx.Find(bn.inputs(0));
    const int64_t channels = x->shape(1);
    if (static_cast<int64_t>(gamma.size()) != channels || beta.size() != gamma.size() ||
        mean.size() != gamma.size() || var.size() != gamma.size()) {
      return absl::InvalidArgumentError(absl::StrCat("batch norm parameters do not have ", channels, " channels"));
    }
    std::vector<float> scale(channels), shift(channels);
    for (int64_t c = 0; c < channels; ++c) {
      if (var[c] + eps <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("running_var[", c, "] + epsilon is not positive"));
      }
      const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      scale[c] = static_cast<float>(s);
      shift[c] = static_cast<float>(beta[c] - mean[c] * s);
    }
    std::vector<int64_t> shape = {channels};
    shape.resize(x->shape_size() - 1, 1);
    const std::string base = bn.name().empty() ? bn.outputs(0) : bn.name();
    const std::string s_name = ctx.AddFloatConstant(absl::StrCat(base, ".scale"), shape, scale);
    const std::string t_name = ctx.AddFloatConstant(absl::StrCat(base, ".shift"), shape, shift);
    const std::string scaled = ctx.FreshName(absl::StrCat(base, ".scaled"));

    ir::Node* mul = ctx.graph()->mutable_nodes(node);
    mul->set_op_type("mul");
    mul->set_name(absl::StrCat(base, ".scale"));
    mul->clear_attributes();
    mul->clear_inputs();
    mul->add_inputs(bn.inputs(0));
    mul->add_inputs(s_name);
    mul->set_outputs(0, scaled);
    ir::Node add;
    add.set_name(bn.name());
    add.set_op_type("add");
    add.add_inputs(scaled);
    add.add_inputs(t_name);
    add.add_outputs(bn.outputs(0));
    // Right after the mul, keeping the node list in topological order.
    ir::Node* slot = ctx.graph()->add_nodes();
    *slot = add;
    for (int i = ctx.graph()->nodes_size() - 1; i > node + 1; --i) ctx.graph()->mutable_nodes()->SwapElements(i, i - 1);
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status DecomposeBatchNorm(ir::Graph* graph) {
  if (Lowerings().count("batch_norm")) return absl::OkStatus();
  std::vector<FusionRecord> none;
  return ApplyRewrite(DecomposeBatchNormRule(), graph, &none);
}

}  // namespace kpu::compiler
