#include "kpu/ir/op_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/op_util.h"

namespace kpu {
namespace {

bool AttrMatches(const ir::Attribute& attr, AttrType type) {
  switch (type) {
    case AttrType::kInt: return attr.has_i();
    case AttrType::kFloat: return attr.has_f() || attr.has_i();
    case AttrType::kString: return attr.has_s();
    case AttrType::kInts: return attr.has_ints();
    case AttrType::kFloats: return attr.has_floats() || attr.has_ints();
  }
  return false;
}

// Every tensor an op touches must have a byte size that fits 63 bits: a [2^62, 4] tensor is an
// error here, not a wrapped size later.
absl::StatusOr<uint64_t> CheckedSize(const TensorType& t) {
  KPU_ASSIGN_OR_RETURN(int64_t elements, ops::CheckedNumElements(t.shape));
  return BytesFor(t.dtype, elements);
}

}  // namespace

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterAllOps(*r);
    return r;
  }();
  return *registry;
}

const OpDef* OpRegistry::Find(const std::string& name) const {
  for (const OpDef& op : ops_) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

std::vector<std::string> OpRegistry::Names() const {
  std::vector<std::string> names;
  for (const OpDef& op : ops_) names.push_back(op.name);
  std::sort(names.begin(), names.end());
  return names;
}

void OpRegistry::Register(OpDef def) { ops_.push_back(std::move(def)); }

absl::StatusOr<std::vector<TensorType>> OpRegistry::Infer(
    const ir::Node& node, const std::vector<TensorType>& inputs) const {
  const OpDef* op = Find(node.op_type());
  if (op == nullptr) return UnsupportedOpsError({node.op_type()});
  const std::string where = absl::StrCat("node '", node.name(), "' (", op->name, ")");
  const int n = static_cast<int>(inputs.size());
  if (n < op->min_inputs || n > op->max_inputs) {
    return InvalidArgumentError(absl::StrCat(where, " takes ", op->min_inputs,
                                             op->min_inputs == op->max_inputs
                                                 ? std::string()
                                                 : absl::StrCat(" to ", op->max_inputs),
                                             " inputs, got ", n));
  }
  if (op->num_outputs != kVariableOutputs && node.outputs_size() != op->num_outputs) {
    return InvalidArgumentError(absl::StrCat(where, " has ", op->num_outputs, " output(s), got ",
                                             node.outputs_size()));
  }
  // In name order: the attribute map's own order differs run to run, and a node with two bad
  // attributes must get the same message every time.
  std::vector<std::string> names;
  for (const auto& entry : node.attributes()) names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const ir::Attribute& value = node.attributes().at(name);
    auto it = std::find_if(op->attributes.begin(), op->attributes.end(),
                           [&](const AttrDef& a) { return a.name == name; });
    if (it == op->attributes.end()) {
      return InvalidArgumentError(absl::StrCat(where, " has no attribute '", name, "'"));
    }
    if (!AttrMatches(value, it->type)) {
      return InvalidArgumentError(absl::StrCat(where, " attribute '", name, "' has the wrong type"));
    }
  }
  for (const AttrDef& a : op->attributes) {
    if (a.required && !node.attributes().contains(a.name)) {
      return InvalidArgumentError(absl::StrCat(where, " needs attribute '", a.name, "'"));
    }
  }
  for (int i = 0; i < n; ++i) {
    if (std::find(op->dtypes.begin(), op->dtypes.end(), inputs[i].dtype) == op->dtypes.end()) {
      return InvalidArgumentError(absl::StrCat(where, " does not accept dtype ",
                                               DTypeName(inputs[i].dtype), " (input ", i, ")"));
    }
  }
  for (int i = 0; i < n; ++i) {
    auto size = CheckedSize(inputs[i]);
    if (!size.ok()) return InvalidArgumentError(absl::StrCat(where, " input ", i, ": ", size.status().message()));
  }
  auto out = op->infer(node, inputs);
  if (!out.ok()) {
    return MakeError(KindOf(out.status()), absl::StrCat(where, ": ", out.status().message()));
  }
  if (static_cast<int>(out->size()) != node.outputs_size()) {
    return InvalidArgumentError(absl::StrCat(where, " has ", out->size(), " output(s), got ", node.outputs_size()));
  }
  for (size_t i = 0; i < out->size(); ++i) {
    auto size = CheckedSize((*out)[i]);
    if (!size.ok()) return InvalidArgumentError(absl::StrCat(where, " output ", i, ": ", size.status().message()));
  }
  return out;
}

}  // namespace kpu
