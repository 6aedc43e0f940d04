// Rewrite: batch_norm with constant weight, bias and statistics, reading the sole output of a
// conv2d or a rank-2 matmul with a constant weight, folds into that op: per output channel c,
//   s[c] = weight[c] / sqrt(var[c] + eps),  W'[c] = W[c] * s[c],  b'[c] = (b[c] - mean[c]) * s[c] + bias[c]
// (b = 0 when the op has no bias). The folded weight and bias are new constants, so a weight
// shared with another op keeps its values there.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/rewrite.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {
namespace {

class FoldBatchNormRule : public RewriteRule {
 public:
  std::string Name() const override { return "FoldBatchNorm"; }
  std::set<std::string> TargetOps() const override { return {"batch_norm"}; }

  bool SatisfyCondition(const RewriteContext& ctx, int node) const override {
    const ir::Node& bn = ctx.graph()->nodes(node);
    if (bn.inputs_size() != 5) return false;
    for (int i = 1; i < 5; ++i) {
      if (!ctx.IsFloatConstant(bn.inputs(i))) return false;
    }
    const int p = ctx.Producer(bn.inputs(0));
    if (p < 0 || ctx.SoleConsumer(bn.inputs(0)) != node) return false;
    const ir::Node& prod = ctx.graph()->nodes(p);
    // Only a conv's or a matmul's weight can take the statistics (once, a relu's absent second
    // input was read here).
    if ((prod.op_type() != "conv2d" && prod.op_type() != "matmul") || prod.inputs_size() < 2) return false;
    // The statistics apply before any activation or residual add the op already carries.
    if (GetString(prod.attributes(), "activation", "none") != "none") return false;
    if (!ctx.IsFloatConstant(prod.inputs(1))) return false;
    const ir::Tensor* w = ctx.Find(prod.inputs(1));
    if (prod.op_type() == "conv2d") {
      if (prod.inputs_size() > 3) return false;
    } else if (prod.op_type() == "matmul") {
      // Channels are dim 1 of the batch norm, the last dim of the matmul: the same only at rank 2.
      const ir::Tensor* out = ctx.Find(prod.outputs(0));
      if (prod.inputs_size() > 3 || out == nullptr || out->shape_size() != 2 || w->shape_size() != 2) return false;
    } else {
      return false;
    }
    return prod.inputs_size() < 3 || ctx.IsFloatConstant(prod.inputs(2));
  }

  absl::Status Apply(RewriteContext& ctx, int node, std::vector<FusionRecord>* records) const override {
    const ir::Node bn = ctx.graph()->nodes(node);
    const int p = ctx.Producer(bn.inputs(0));
    const ir::Node prod = ctx.graph()->nodes(p);
    const std::vector<float> gamma = ctx.FloatValues(bn.inputs(1)), beta = ctx.FloatValues(bn.inputs(2)),
                             mean = ctx.FloatValues(bn.inputs(3)), var = ctx.FloatValues(bn.inputs(4));
    const double eps = GetFloat(bn.attributes(), "epsilon", 1e-5);
    const size_t channels = gamma.size();
    std::vector<float> w = ctx.FloatValues(prod.inputs(1));
    const Shape w_shape = ToShape(ctx.Find(prod.inputs(1))->shape());
    // Which weight elements belong to output channel c: conv rows [OC, ...]; matmul B is [K, N]
    // (columns are channels) or [N, K] with transpose_b.
    const bool conv = prod.op_type() == "conv2d";
    const bool transposed = !conv && GetInt(prod.attributes(), "transpose_b", 0) != 0;
    const size_t out_channels = conv || transposed ? w_shape[0] : w_shape[1];
    if (out_channels != channels || beta.size() != channels || mean.size() != channels || var.size() != channels) {
      return absl::InvalidArgumentError(absl::StrCat("batch norm over ", channels, " channels follows an op with ",
                                                     out_channels, " output channels"));
    }
    std::vector<float> bias = prod.inputs_size() >= 3 ? ctx.FloatValues(prod.inputs(2)) : std::vector<float>(channels, 0.0f);
    std::vector<double> scale(channels);
    for (size_t c = 0; c < channels; ++c) {
      if (var[c] + eps <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("running_var[", c, "] + epsilon is not positive"));
      }
      scale[c] = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      bias[c] = static_cast<float>((static_cast<double>(bias[c]) - mean[c]) * scale[c] + beta[c]);
    }
    const size_t per_row = w.size() / w_shape[0];
    for (size_t i = 0; i < w.size(); ++i) {
      const size_t c = conv || transposed ? i / per_row : i % per_row;
      w[i] = static_cast<float>(w[i] * scale[c]);
    }
    const std::string w_name = ctx.AddFloatConstant(absl::StrCat(prod.inputs(1), ".bn_folded"), w_shape, w);
    const std::string b_name = ctx.AddFloatConstant(
        absl::StrCat(prod.inputs_size() >= 3 ? prod.inputs(2) : prod.inputs(1) + ".bias", ".bn_folded"),
        {static_cast<int64_t>(channels)}, bias);
    ir::Node* target = ctx.graph()->mutable_nodes(p);
    target->set_inputs(1, w_name);
    if (target->inputs_size() >= 3) {
      target->set_inputs(2, b_name);
    } else {
      target->add_inputs(b_name);
    }
    ctx.Absorb(p, node, records);
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status FoldBatchNorm(ir::Graph* graph, std::vector<FusionRecord>* records) {
  return ApplyRewrite(FoldBatchNormRule(), graph, records);
}

}  // namespace kpu::compiler
