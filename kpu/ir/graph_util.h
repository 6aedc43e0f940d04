// Helpers over the Graph proto, which is also the compiler's in-memory graph.
#ifndef KPU_IR_GRAPH_UTIL_H_
#define KPU_IR_GRAPH_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/op_registry.h"

namespace kpu {

using AttrMap = google::protobuf::Map<std::string, ir::Attribute>;

int64_t GetInt(const AttrMap& attrs, const std::string& name, int64_t fallback);
double GetFloat(const AttrMap& attrs, const std::string& name, double fallback);
std::string GetString(const AttrMap& attrs, const std::string& name, const std::string& fallback);
ir::Attribute IntAttr(int64_t v);
ir::Attribute StringAttr(const std::string& v);

bool IsConstant(const ir::Tensor& t);

// Checks names, references and types, and fills in the dtype and shape of every tensor the
// nodes produce (adding entries to graph->tensors() where missing). Unknown ops are reported
// together: "Unsupported operators: a, b".
absl::Status InferGraph(ir::Graph* graph);

// Nodes in an order where every producer comes before its consumers; error on a cycle.
absl::StatusOr<std::vector<int>> TopologicalOrder(const ir::Graph& graph);

struct ExternalDataOptions {
  // Read external_data from absolute paths and from paths that leave `base_dir` (by "..", or by a
  // symlink). Off by default: a graph file from elsewhere may only read files beside it.
  bool allow_paths_outside_base_dir = false;
};

// Replaces float_data and external_data on constants with raw_data, reading external files
// relative to `base_dir` (the current folder when empty). Each constant's size is checked
// against kpu/ir/limits.h, and an external range against the tensor's size and the file's, before
// anything is read. Errors say which tensor and which file.
absl::Status ResolveConstantData(ir::Graph* graph, const std::string& base_dir,
                                 const ExternalDataOptions& options = {});

// Parses a graph from protobuf binary, or from JSON text when the bytes start with '{'.
absl::StatusOr<ir::Graph> ParseGraph(const std::string& bytes);
absl::StatusOr<std::string> GraphToJson(const ir::Graph& graph);

// The tensor table by name.
std::map<std::string, ir::Tensor*> TensorsByName(ir::Graph* graph);

}  // namespace kpu

#endif  // KPU_IR_GRAPH_UTIL_H_
