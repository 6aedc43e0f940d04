#include "kpu/ir/graph_util.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/limits.h"
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
  // Depth-first with an explicit stack: a graph file may chain a million nodes, which recursion
  // would turn into a stack overflow.
  std::vector<int> state(graph.nodes_size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<int> order;
  std::vector<std::pair<int, int>> stack;  // node, index of the next input to visit
  for (int root = 0; root < graph.nodes_size(); ++root) {
    if (state[root] != 0) continue;
    state[root] = 1;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [i, next] = stack.back();
      const ir::Node& node = graph.nodes(i);
      if (next == node.inputs_size()) {
        state[i] = 2;
        order.push_back(i);
        stack.pop_back();
        continue;
      }
      auto it = producer.find(node.inputs(next++));
      if (it == producer.end() || state[it->second] == 2) continue;
      if (state[it->second] == 1) {
        return InvalidArgumentError(absl::StrCat("graph has a cycle through node '", graph.nodes(it->second).name(), "'"));
      }
      state[it->second] = 1;
      stack.push_back({it->second, 0});
    }
  }
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
    // The compiler makes a constant a weight of the program, which the runtime then cannot also
    // take as an input (found by tests/fuzz:graph_fuzzer: it compiled, and never loaded).
    if (is_input && IsConstant(t)) {
      return InvalidArgumentError(absl::StrCat("graph input '", t.name(),
                                               "' is also a constant (it has data): a tensor is one or the other"));
    }
    // DTypeBits, not DTypeSize: a packed int4 tensor has a dtype, just no whole bytes per element.
    if (DTypeBits(t.dtype()) == 0) {
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
  // A caller passes each input and output once by name (kpu_execute refuses a name given twice),
  // so a graph that lists one twice would compile to a program nobody can run (found by
  // tests/fuzz:graph_fuzzer).
  for (const auto* list : {&graph->inputs(), &graph->outputs()}) {
    std::set<std::string> once;
    for (const std::string& name : *list) {
      if (!once.insert(name).second) {
        return InvalidArgumentError(absl::StrCat("graph ", list == &graph->inputs() ? "input" : "output", " '", name,
                                                 "' is listed twice"));
      }
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

namespace {

// The file an external_data entry names. Unless the caller allows more, only files inside the
// graph's folder: a downloaded .dfg must not make the compiler read /etc/passwd into a constant by
// an absolute path or by climbing out with "..". The check is on the path the graph wrote:
// symlinks in the folder are its owner's doing (Bazel runfiles are made of them), and one that
// leads to a device is caught by the regular-file check when reading.
absl::StatusOr<std::string> ExternalDataPath(const std::string& tensor, const std::string& path,
                                             const std::string& base_dir, const ExternalDataOptions& options) {
  namespace fs = std::filesystem;
  const std::string what = absl::StrCat("constant '", tensor, "': external data path '", path, "'");
  if (path.empty() || path.find('\0') != std::string::npos) return InvalidArgumentError(absl::StrCat(what, " is empty or has a NUL"));
  const fs::path relative(path);
  const fs::path base = base_dir.empty() ? fs::path(".") : fs::path(base_dir);
  const fs::path full = relative.is_absolute() ? relative : base / relative;
  if (options.allow_paths_outside_base_dir) return full.string();
  const std::string hint = "; only files inside the graph's folder are read unless the caller allows others";
  if (relative.is_absolute()) return InvalidArgumentError(absl::StrCat(what, " is absolute", hint));
  for (const fs::path& part : relative) {
    if (part == "..") return InvalidArgumentError(absl::StrCat(what, " climbs out of the graph's folder with '..'", hint));
  }
  return full.string();
}

// Reads exactly `length` bytes at `offset` of a regular file, after checking that the file holds
// them: a device such as /dev/zero would otherwise feed gigabytes.
absl::StatusOr<std::string> ReadExternalData(const std::string& tensor, const std::string& path, uint64_t offset,
                                             uint64_t length) {
  namespace fs = std::filesystem;
  const std::string what = absl::StrCat("constant '", tensor, "': external data file '", path, "'");
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return IoError(absl::StrCat("constant '", tensor, "': cannot open external data file '", path, "'"));
  if (!fs::is_regular_file(status)) return InvalidArgumentError(absl::StrCat(what, " is not a regular file"));
  const uint64_t file_size = fs::file_size(path, ec);
  if (ec) return IoError(absl::StrCat(what, " has no size: ", ec.message()));
  if (offset > file_size || length > file_size - offset) {
    return IoError(absl::StrCat(what, " is ", file_size, " bytes; it ends before byte ",
                                offset > UINT64_MAX - length ? UINT64_MAX : offset + length));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(absl::StrCat("constant '", tensor, "': cannot open external data file '", path, "'"));
  std::string raw(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(raw.data(), static_cast<std::streamsize>(length));
  if (static_cast<uint64_t>(in.gcount()) != length) {
    return IoError(absl::StrCat(what, " ends before byte ", offset + length));
  }
  return raw;
}

}  // namespace

absl::Status ResolveConstantData(ir::Graph* graph, const std::string& base_dir, const ExternalDataOptions& options) {
  for (ir::Tensor& t : *graph->mutable_tensors()) {
    if (!IsConstant(t)) continue;
    KPU_ASSIGN_OR_RETURN(const uint64_t expected, CheckTensorSize(t.name(), t.dtype(), t.shape()));
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
      // The length is checked against the tensor before anything is opened or allocated.
      if (ext.length() != 0 && ext.length() != expected) {
        return InvalidArgumentError(absl::StrCat("constant '", t.name(), "': external data length ", ext.length(),
                                                 " does not match the ", expected, " bytes its shape ",
                                                 FormatShape(ToShape(t.shape())), " and dtype ", DTypeName(t.dtype()),
                                                 " need"));
      }
      KPU_ASSIGN_OR_RETURN(const std::string path, ExternalDataPath(t.name(), ext.path(), base_dir, options));
      KPU_ASSIGN_OR_RETURN(std::string raw, ReadExternalData(t.name(), path, ext.offset(), expected));
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
