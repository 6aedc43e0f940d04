// Graph rewrites in one shape (STYLE.md, "Graph rewrites"): a rule names the ops a match starts
// from, a condition on one such node, and an apply that changes the graph. ApplyRewrite drives a
// rule to a fixed point. Each rule lives in its own file with its own test.
#ifndef KPU_COMPILER_REWRITE_H_
#define KPU_COMPILER_REWRITE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kpu/compiler/passes.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::compiler {

// What a rule sees: the graph, who reads and who writes each tensor, and the tensor table.
// Rebuilt after every apply, so a rule never sees stale indices.
class RewriteContext {
 public:
  explicit RewriteContext(ir::Graph* graph);

  ir::Graph* graph() const { return graph_; }
  // The node writing `tensor`, or -1 (a graph input or a constant).
  int Producer(const std::string& tensor) const;
  // The node reading `tensor` if it is its only reader and `tensor` is no graph output, else -1:
  // only then may a rewrite make the tensor disappear.
  int SoleConsumer(const std::string& tensor) const;
  // The tensor's entry, or nullptr.
  const ir::Tensor* Find(const std::string& tensor) const;
  bool IsFloatConstant(const std::string& tensor) const;
  // Constant fp32 values; empty when `tensor` is not an fp32 constant.
  std::vector<float> FloatValues(const std::string& tensor) const;
  // `base`, or `base_N` if a tensor of that name exists.
  std::string FreshName(const std::string& base) const;
  // Adds an fp32 constant under a fresh name built from `base`; returns the name.
  std::string AddFloatConstant(const std::string& base, const std::vector<int64_t>& shape,
                               const std::vector<float>& values);

  // `into` takes over `fused`'s output and `fused` leaves the graph; records the fusion by node
  // name (naming `into` after its output when it has no name, so the record can find it).
  void Absorb(int into, int fused, std::vector<FusionRecord>* records);

 private:
  ir::Graph* graph_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<int>> readers_;
  std::set<std::string> graph_outputs_;
  std::map<std::string, const ir::Tensor*> tensors_;
};

class RewriteRule {
 public:
  virtual ~RewriteRule() = default;
  virtual std::string Name() const = 0;
  // The op types a match starts from.
  virtual std::set<std::string> TargetOps() const = 0;
  // Whether the rewrite applies at node `node` (whose op is a target op). Must not change anything.
  virtual bool SatisfyCondition(const RewriteContext& ctx, int node) const = 0;
  // Rewrites the match at `node`; called only when SatisfyCondition said yes.
  virtual absl::Status Apply(RewriteContext& ctx, int node, std::vector<FusionRecord>* records) const = 0;
};

// Applies `rule` wherever its condition holds until it holds nowhere; leaves the graph inferred.
absl::Status ApplyRewrite(const RewriteRule& rule, ir::Graph* graph, std::vector<FusionRecord>* records);

// The fused node's name for a record: its name, else "<op>(<output>)".
std::string RecordName(const ir::Node& node);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_REWRITE_H_
