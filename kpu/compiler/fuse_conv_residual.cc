// Rewrite: add(conv2d(...), r), with the conv's output read by nothing else and r of the conv's
// output shape, becomes conv2d(..., bias, r): the residual joins the conv's epilogue in REGISTER
// (the contract takes a residual only after a bias, so a conv without one gets a zero bias). An
// activation after the add then fuses as the conv's activation (FuseConvActivation), which the
// contract applies after the residual. A conv that already has an activation or a residual, or
// an add that broadcasts r, stays as it is.
#include "absl/strings/str_cat.h"
#include "kpu/compiler/rewrite.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

class FuseConvResidualRule : public RewriteRule {
 public:
  std::string Name() const override { return "FuseConvResidual"; }
  std::set<std::string> TargetOps() const override { return {"add"}; }

  bool SatisfyCondition(const RewriteContext& ctx, int node) const override { return ConvOperand(ctx, node) >= 0; }

  absl::Status Apply(RewriteContext& ctx, int node, std::vector<FusionRecord>* records) const override {
    const ir::Node add = ctx.graph()->nodes(node);
    const int which = ConvOperand(ctx, node);
    const std::string& residual = add.inputs(1 - which);
    const int p = ctx.Producer(add.inputs(which));
    const ir::Node conv = ctx.graph()->nodes(p);
    std::string bias;
    if (conv.inputs_size() < 3) {
      const int64_t channels = ctx.Find(conv.outputs(0))->shape(1);
      bias = ctx.AddFloatConstant(absl::StrCat(conv.inputs(1), ".zero_bias"), {channels},
                                  std::vector<float>(channels, 0.0f));
    }
    ir::Node* target = ctx.graph()->mutable_nodes(p);
    if (!bias.empty()) target->add_inputs(bias);
    target->add_inputs(residual);
    ctx.Absorb(p, node, records);
    return absl::OkStatus();
  }

 private:
  // Which input of the add (0 or 1) is a conv output the rewrite can take, or -1. With two
  // candidates the later conv takes the earlier one's output as its residual, so the residual
  // is already computed when the fused conv runs.
  static int ConvOperand(const RewriteContext& ctx, int node) {
    const ir::Node& add = ctx.graph()->nodes(node);
    if (add.inputs_size() != 2 || add.inputs(0) == add.inputs(1)) return -1;
    const ir::Tensor* out = ctx.Find(add.outputs(0));
    int best = -1, best_producer = -1;
    for (int i = 0; i < 2; ++i) {
      const int p = ctx.Producer(add.inputs(i));
      if (p < 0 || ctx.SoleConsumer(add.inputs(i)) != node) continue;
      const ir::Node& conv = ctx.graph()->nodes(p);
      if (conv.op_type() != "conv2d" || conv.inputs_size() > 3 ||
          GetString(conv.attributes(), "activation", "none") != "none") {
        continue;
      }
      const ir::Tensor* c = ctx.Find(add.inputs(i));
      const ir::Tensor* r = ctx.Find(add.inputs(1 - i));
      // No broadcasting: the residual is read tile for tile with the conv's output.
      if (c == nullptr || r == nullptr || out == nullptr || c->dtype() != r->dtype() ||
          c->shape().size() != r->shape().size() || out->shape_size() != c->shape_size()) {
        continue;
      }
      bool same = true;
      for (int d = 0; d < c->shape_size(); ++d) same = same && c->shape(d) == r->shape(d);
      if (!same) continue;
      if (p > best_producer) {
        best = i;
        best_producer = p;
      }
    }
    return best;
  }
};

}  // namespace

absl::Status FuseConvResidual(ir::Graph* graph, std::vector<FusionRecord>* records) {
  return ApplyRewrite(FuseConvResidualRule(), graph, records);
}

}  // namespace kpu::compiler
