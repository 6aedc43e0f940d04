#include "kpu/ir/graph_util.h"

#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/proto_json.h"

namespace kpu {

int64_t GetInt(const AttrMap& attrs, const std::string& name, int64_t fallback) {
  auto it = attrs.find(name);
  return it != attrs.end() && it->second.has_i() ? it->second.i() : fallback;
}

double GetFloat(const AttrMap& attrs, const std::string& name, double fallback) {
  auto it = attrs.find(name);
  if (it == attrs.end()) return fallback;
  if (it->second.has_f()) return it->second.f();
  if (it->second.has_i()) return static_cast<double>(it->second.i());
  return fallback;
}

std::string GetString(const AttrMap& attrs, const std::string& name,
                      const std::string& fallback) {
  auto it = attrs.find(name);
  return it != attrs.end() && it->second.has_s() ? it->second.s() : fallback;
}

ir::Attribute IntAttr(int64_t v) {
  ir::Attribute a;
  a.set_i(v);
  return a;
}

ir::Attribute StringAttr(const std::string& v) {
  ir::Attribute a;
  a.set_s(v);
  return a;
}

bool IsConstant(const ir::Tensor& t) {
  return !t.raw_data().empty() || t.float_data_size() > 0 || t.has_external_data();
}

std::map<std::string, ir::Tensor*> TensorsByName(ir::Graph* graph) {
  std::map<std::string, ir::Tensor*> by_name;
  for (ir::Tensor& t : *graph->mutable_tensors()) by_name[t.name()] = &t;
  return by_name;
}

absl::StatusOr<std::vector<int>> TopologicalOrder(const ir::Graph& graph) {
  std::map<std::string, int> producer;
  for (int i = 0; i < graph.nodes_size(); ++i) {
    for (const std::string& out : graph.nodes(i).outputs()) producer[out] = i;
  }
  std::vector<int> state(graph.nodes_size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<int> order;
  std::function<absl::Status(int)> visit = [&](int i) -> absl::Status {
    if (state[i] == 2) return absl::OkStatus();
    if (state[i] == 1) {
      return InvalidArgumentError(
          absl::StrCat("graph has a cycle through node '", graph.nodes(i).name(), "'"));
    }
    state[i] = 1;
    for (const std::string& in : graph.nodes(i).inputs()) {
      auto it = producer.find(in);
      if (it != producer.end()) KPU_RETURN_IF_ERROR(visit(it->second));
    }
    state[i] = 2;
    order.push_back(i);
    return absl::OkStatus();
  };
  for (int i = 0; i < graph.nodes_size(); ++i) KPU_RETURN_IF_ERROR(visit(i));
  return order;
}

absl::Status InferGraph(ir::Graph* graph) {
  const OpRegistry& registry = OpRegistry::Global();
  std::vector<std::string> unknown;
  std::set<std::string> seen_unknown;
  for (const ir::Node& node : graph->nodes()) {
    if (registry.Find(node.op_type()) == nullptr && seen_unknown.insert(node.op_type()).second) {
      unknown.push_back(node.op_type());
    }
  }
  if (!unknown.empty()) return UnsupportedOpsError(unknown);

  std::map<std::string, TensorType> types;
  std::set<std::string> names;
  for (const ir::Tensor& t : graph->tensors()) {
    if (!names.insert(t.name()).second) {
      return InvalidArgumentError(absl::StrCat("tensor '", t.name(), "' is declared twice"));
    }
  }
  std::set<std::string> inputs(graph->inputs().begin(), graph->inputs().end());
  for (const ir::Tensor& t : graph->tensors()) {
    bool is_input = inputs.count(t.name()) > 0;
    if (!is_input && !IsConstant(t)) continue;  // an intermediate: inferred below
    if (DTypeSize(t.dtype()) == 0) {
      return InvalidArgumentError(absl::StrCat("tensor '", t.name(), "' has no dtype"));
    }
    for (int64_t d : t.shape()) {
      if (d <= 0) {
        return InvalidArgumentError(absl::StrCat("tensor '", t.name(), "' has a non-positive dimension in ",
                                                 FormatShape(ToShape(t.shape()))));
      }
    }
    types[t.name()] = TensorType{t.dtype(), ToShape(t.shape())};
  }
  for (const std::string& in : graph->inputs()) {
    if (!types.count(in)) {
      return InvalidArgumentError(absl::StrCat("graph input '", in, "' has no tensor entry with dtype and shape"));
    }
  }

  KPU_ASSIGN_OR_RETURN(std::vector<int> order, TopologicalOrder(*graph));
  auto by_name = TensorsByName(graph);
  for (int idx : order) {
    const ir::Node& node = graph->nodes(idx);
    std::vector<TensorType> in_types;
    for (const std::string& in : node.inputs()) {
      auto it = types.find(in);
      if (it == types.end()) {
        return InvalidArgumentError(
            absl::StrCat("node '", node.name(), "' reads '", in, "', which nothing defines"));
      }
      in_types.push_back(it->second);
    }
    KPU_ASSIGN_OR_RETURN(std::vector<TensorType> out_types, registry.Infer(node, in_types));
    for (int o = 0; o < node.outputs_size(); ++o) {
      const std::string& name = node.outputs(o);
      if (types.count(name)) {
        return InvalidArgumentError(absl::StrCat("tensor '", name, "' is defined twice"));
      }
      types[name] = out_types[o];
      ir::Tensor* t = by_name.count(name) ? by_name[name] : nullptr;
      if (t == nullptr) {
        t = graph->add_tensors();
        t->set_name(name);
        by_name = TensorsByName(graph);
      } else if (t->dtype() != ir::DTYPE_UNSPECIFIED && t->shape_size() > 0 &&
                 (t->dtype() != out_types[o].dtype || ToShape(t->shape()) != out_types[o].shape)) {
        return ShapeMismatchError(absl::StrCat("Tensor '", name, "'"), ToShape(t->shape()),
                                  out_types[o].shape);
      }
      t->set_dtype(out_types[o].dtype);
      t->clear_shape();
      for (int64_t d : out_types[o].shape) t->add_shape(d);
    }
  }
  for (const std::string& out : graph->outputs()) {
    if (!types.count(out)) {
      return InvalidArgumentError(absl::StrCat("graph output '", out, "' is never produced"));
    }
  }
  if (graph->outputs_size() == 0) return InvalidArgumentError("graph has no outputs");
  return absl::OkStatus();
}

absl::Status ResolveConstantData(ir::Graph* graph, const std::string& base_dir) {
  for (ir::Tensor& t : *graph->mutable_tensors()) {
    if (!IsConstant(t)) continue;
    const uint64_t expected = static_cast<uint64_t>(NumElements(ToShape(t.shape()))) * DTypeSize(t.dtype());
    if (t.float_data_size() > 0) {
      if (t.dtype() != ir::FLOAT32) {
        return InvalidArgumentError(absl::StrCat("constant '", t.name(), "' has float_data but dtype ",
                                                 DTypeName(t.dtype())));
      }
      std::string raw(t.float_data_size() * sizeof(float), '\0');
      std::memcpy(raw.data(), t.float_data().data(), raw.size());
      t.set_raw_data(std::move(raw));
      t.clear_float_data();
    } else if (t.has_external_data()) {
      const ir::ExternalData& ext = t.external_data();
      std::string path = ext.path();
      if (!path.empty() && path[0] != '/' && !base_dir.empty()) path = base_dir + "/" + path;
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        return IoError(absl::StrCat("constant '", t.name(), "': cannot open external data file '", path, "'"));
      }
      const uint64_t length = ext.length() ? ext.length() : expected;
      std::string raw(length, '\0');
      in.seekg(static_cast<std::streamoff>(ext.offset()));
      in.read(raw.data(), static_cast<std::streamsize>(length));
      if (static_cast<uint64_t>(in.gcount()) != length) {
        return IoError(absl::StrCat("constant '", t.name(), "': external data file '", path,
                                    "' ends before byte ", ext.offset() + length));
      }
      t.set_raw_data(std::move(raw));
      t.clear_external_data();
    }
    if (t.raw_data().size() != expected) {
      return InvalidArgumentError(absl::StrCat("constant '", t.name(), "' has ", t.raw_data().size(),
                                               " bytes of data, its shape ", FormatShape(ToShape(t.shape())),
                                               " and dtype ", DTypeName(t.dtype()), " need ", expected));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ir::Graph> ParseGraph(const std::string& bytes) {
  ir::Graph graph;
  KPU_RETURN_IF_ERROR(ParseJsonOrBinary(bytes, "graph", &graph));
  return graph;
}

absl::StatusOr<std::string> GraphToJson(const ir::Graph& graph) { return ToJson(graph, false); }

}  // namespace kpu
