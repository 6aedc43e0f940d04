// Rewrite: an activation that is the sole reader of a conv2d's output becomes the conv's
// `activation` epilogue (applied in REGISTER after bias and residual, so the pre-activation
// tensor never reaches memory). hardtanh(0, 6) is relu6; other hardtanh bounds stay separate.
#include "kpu/compiler/rewrite.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

// The conv epilogue name of an activation node, or "" when it has none.
std::string EpilogueName(const ir::Node& act) {
  if (act.op_type() == "hardtanh") {
    const bool relu6 = GetFloat(act.attributes(), "min_val", -1.0) == 0.0 &&
                       GetFloat(act.attributes(), "max_val", 1.0) == 6.0;
    return relu6 ? "relu6" : "";
  }
  return act.op_type();
}

class FuseConvActivationRule : public RewriteRule {
 public:
  std::string Name() const override { return "FuseConvActivation"; }
  std::set<std::string> TargetOps() const override { return {"relu", "hardtanh", "silu", "hardswish", "sigmoid"}; }

  bool SatisfyCondition(const RewriteContext& ctx, int node) const override {
    const ir::Node& act = ctx.graph()->nodes(node);
    if (act.inputs_size() != 1 || EpilogueName(act).empty()) return false;
    const int p = ctx.Producer(act.inputs(0));
    if (p < 0 || ctx.SoleConsumer(act.inputs(0)) != node) return false;
    const ir::Node& conv = ctx.graph()->nodes(p);
    return conv.op_type() == "conv2d" && GetString(conv.attributes(), "activation", "none") == "none";
  }

  absl::Status Apply(RewriteContext& ctx, int node, std::vector<FusionRecord>* records) const override {
    const int p = ctx.Producer(ctx.graph()->nodes(node).inputs(0));
    (*ctx.graph()->mutable_nodes(p)->mutable_attributes())["activation"] = StringAttr(EpilogueName(ctx.graph()->nodes(node)));
    ctx.Absorb(p, node, records);
    return absl::OkStatus();
  }
};

}  // namespace

absl::Status FuseConvActivation(ir::Graph* graph, std::vector<FusionRecord>* records) {
  return ApplyRewrite(FuseConvActivationRule(), graph, records);
}

}  // namespace kpu::compiler
