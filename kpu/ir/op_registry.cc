#include "kpu/ir/op_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"

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

}  // namespace

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    RegisterCoreOps(*r);
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
  if (node.outputs_size() != op->num_outputs) {
    return InvalidArgumentError(absl::StrCat(where, " has ", op->num_outputs, " output(s), got ",
                                             node.outputs_size()));
  }
  for (const auto& [name, value] : node.attributes()) {
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
  auto out = op->infer(node, inputs);
  if (!out.ok()) {
    return MakeError(KindOf(out.status()), absl::StrCat(where, ": ", out.status().message()));
  }
  return out;
}

}  // namespace kpu
