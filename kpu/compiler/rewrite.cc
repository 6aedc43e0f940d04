#include "kpu/compiler/rewrite.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {

RewriteContext::RewriteContext(ir::Graph* graph) : graph_(graph) {
  for (int i = 0; i < graph->nodes_size(); ++i) {
    const ir::Node& n = graph->nodes(i);
    for (const std::string& out : n.outputs()) producer_[out] = i;
    for (const std::string& in : n.inputs()) {
      // A node reading a tensor twice counts twice: add(c, c) is no sole reader of c.
      readers_[in].push_back(i);
    }
  }
  graph_outputs_.insert(graph->outputs().begin(), graph->outputs().end());
  for (const ir::Tensor& t : graph->tensors()) tensors_[t.name()] = &t;
}

int RewriteContext::Producer(const std::string& tensor) const {
  auto it = producer_.find(tensor);
  return it == producer_.end() ? -1 : it->second;
}

int RewriteContext::SoleConsumer(const std::string& tensor) const {
  auto it = readers_.find(tensor);
  if (it == readers_.end() || it->second.size() != 1 || graph_outputs_.count(tensor)) return -1;
  return it->second[0];
}

const ir::Tensor* RewriteContext::Find(const std::string& tensor) const {
  auto it = tensors_.find(tensor);
  return it == tensors_.end() ? nullptr : it->second;
}

bool RewriteContext::IsFloatConstant(const std::string& tensor) const {
  const ir::Tensor* t = Find(tensor);
  if (t == nullptr || !IsConstant(*t) || t->dtype() != ir::FLOAT32) return false;
  // Compile() resolves constants to raw_data; float_data is accepted for graphs built in tests.
  const uint64_t n = NumElements(ToShape(t->shape()));
  return t->raw_data().size() == n * sizeof(float) || static_cast<uint64_t>(t->float_data_size()) == n;
}

std::vector<float> RewriteContext::FloatValues(const std::string& tensor) const {
  if (!IsFloatConstant(tensor)) return {};
  const ir::Tensor* t = Find(tensor);
  if (!t->raw_data().empty()) {
    std::vector<float> v(t->raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t->raw_data().data(), v.size() * sizeof(float));
    return v;
  }
  return std::vector<float>(t->float_data().begin(), t->float_data().end());
}

std::string RewriteContext::FreshName(const std::string& base) const {
  std::string name = base;
  for (int i = 1; tensors_.count(name) || producer_.count(name) || readers_.count(name); ++i) {
    name = absl::StrCat(base, "_", i);
  }
  return name;
}

std::string RewriteContext::AddFloatConstant(const std::string& base, const std::vector<int64_t>& shape,
                                             const std::vector<float>& values) {
  const std::string name = FreshName(base);
  ir::Tensor* t = graph_->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  for (int64_t d : shape) t->add_shape(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  // The table holds pointers into the repeated field, which may have moved.
  tensors_.clear();
  for (const ir::Tensor& e : graph_->tensors()) tensors_[e.name()] = &e;
  return name;
}

std::string RecordName(const ir::Node& node) {
  if (!node.name().empty()) return node.name();
  return absl::StrCat(node.op_type(), "(", node.outputs_size() > 0 ? node.outputs(0) : "", ")");
}

void RewriteContext::Absorb(int into, int fused, std::vector<FusionRecord>* records) {
  ir::Node* target = graph_->mutable_nodes(into);
  if (target->name().empty()) target->set_name(target->outputs(0));
  records->push_back({target->name(), RecordName(graph_->nodes(fused))});
  target->set_outputs(0, graph_->nodes(fused).outputs(0));
  graph_->mutable_nodes()->DeleteSubrange(fused, 1);
}

absl::Status ApplyRewrite(const RewriteRule& rule, ir::Graph* graph, std::vector<FusionRecord>* records) {
  const std::set<std::string> targets = rule.TargetOps();
  // Each apply removes a node or changes an op's attributes so the condition no longer holds
  // there; the bound turns a rule that fails to make progress into an error, not a hang.
  const int64_t limit = 2 * static_cast<int64_t>(graph->nodes_size()) + 2;
  for (int64_t applied = 0;; ++applied) {
    if (applied > limit) {
      return absl::InternalError(absl::StrCat("rewrite ", rule.Name(), " does not converge"));
    }
    RewriteContext ctx(graph);
    int match = -1;
    for (int i = 0; i < graph->nodes_size() && match < 0; ++i) {
      if (targets.count(graph->nodes(i).op_type()) && rule.SatisfyCondition(ctx, i)) match = i;
    }
    if (match < 0) break;
    absl::Status s = rule.Apply(ctx, match, records);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(rule.Name(), " at node '", RecordName(graph->nodes(match)),
                                                 "': ", s.message()));
    }
  }
  KPU_RETURN_IF_ERROR(EliminateDeadCode(graph));
  return InferGraph(graph);
}

}  // namespace kpu::compiler
