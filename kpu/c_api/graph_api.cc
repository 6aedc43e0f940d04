// Building, parsing and serializing graphs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kpu/c_api/c_api_internal.h"
#include "kpu/compiler/import/scalesim_graph.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/object_format.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

namespace {

// Checks a tensor's arguments and fills *t; *bytes gets its size, overflow-checked (a shape
// whose size wraps would otherwise pass for a small or empty tensor).
kpu_status FillTensor(const char* fn, kpu::ir::Tensor* t, const char* name, kpu_dtype dtype, size_t rank,
                      const int64_t* dims, uint64_t* bytes) {
  ABI_REQUIRE(name != nullptr, absl::StrCat(fn, ": name is NULL"));
  ABI_REQUIRE(name[0] != '\0', absl::StrCat(fn, ": name is empty"));
  ABI_REQUIRE(rank <= KPU_MAX_RANK,
              absl::StrCat(fn, ": tensor '", name, "' has rank ", rank, ", more than KPU_MAX_RANK (", KPU_MAX_RANK, ")"));
  ABI_REQUIRE(rank == 0 || dims != nullptr, absl::StrCat(fn, ": tensor '", name, "': dims is NULL with rank ", rank));
  ABI_REQUIRE(kpu::c_api::IsTensorDtype(dtype),
              absl::StrCat(fn, ": tensor '", name, "' has an unknown dtype ", static_cast<int>(dtype)));
  uint64_t size = kpu_dtype_size(dtype);
  for (size_t i = 0; i < rank; ++i) {
    ABI_REQUIRE(dims[i] > 0, absl::StrCat(fn, ": tensor '", name, "' has dimension ", i, " = ", dims[i],
                                          "; dimensions must be positive"));
    ABI_REQUIRE(!__builtin_mul_overflow(size, static_cast<uint64_t>(dims[i]), &size) &&
                    size <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                absl::StrCat(fn, ": tensor '", name, "' is larger than 2^63 bytes (dimension ", i, " = ", dims[i],
                             " overflows its size)"));
  }
  t->set_name(name);
  t->set_dtype(static_cast<kpu::ir::DataType>(dtype));
  for (size_t i = 0; i < rank; ++i) t->add_shape(dims[i]);
  *bytes = size;
  return KPU_OK;
}

bool HasTensor(const kpu::ir::Graph& g, const std::string& name) {
  for (const auto& t : g.tensors()) {
    if (t.name() == name) return true;
  }
  return false;
}

constexpr char kDefaultGraphName[] = "graph";

kpu_status ParseInto(const std::string& bytes, const std::string& base_dir, kpu_graph** out,
                     const kpu::ExternalDataOptions& external = {}) {
  ABI_REQUIRE(!bytes.empty(), "the graph is empty (0 bytes)");
  auto graph = kpu::ParseGraph(bytes);
  if (!graph.ok()) return ToStatus(graph.status());
  // A graph always has a name, as kpu_graph_create gives one: a graph whose every field is at its
  // default would serialize to 0 bytes, which no parse accepts (found by tests/fuzz:graph_fuzzer).
  if (graph->name().empty()) graph->set_name(kDefaultGraphName);
  if (absl::Status s = kpu::ResolveConstantData(&*graph, base_dir, external); !s.ok()) return ToStatus(s);
  *out = new kpu_graph{std::move(*graph)};
  return KPU_OK;
}

}  // namespace

extern "C" {

kpu_status kpu_graph_create(const char* name, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(out);
    auto* g = new kpu_graph;
    g->proto.set_name(name != nullptr && name[0] != '\0' ? name : kDefaultGraphName);
    *out = g;
    return KPU_OK;
  })
}

kpu_status kpu_graph_parse(const void* data, size_t size, const char* base_dir, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(data);
    ABI_REQUIRE_NOT_NULL(out);
    ABI_REQUIRE(size > 0, "kpu_graph_parse: data is empty (size 0)");
    return ParseInto(std::string(static_cast<const char*>(data), size), base_dir ? base_dir : "", out);
  })
}

void kpu_graph_parse_options_init(kpu_graph_parse_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
}

kpu_status kpu_graph_parse_with_options(const void* data, size_t size, const kpu_graph_parse_options* options,
                                        kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(data);
    ABI_REQUIRE_NOT_NULL(out);
    ABI_REQUIRE(size > 0, "kpu_graph_parse_with_options: data is empty (size 0)");
    kpu_graph_parse_options opts;
    kpu_graph_parse_options_init(&opts);
    if (options != nullptr) {
      ABI_REQUIRE(options->struct_size >= offsetof(kpu_graph_parse_options, base_dir) + sizeof(const char*),
                  "kpu_graph_parse_options.struct_size is too small");
      std::memcpy(&opts, options, std::min(options->struct_size, sizeof(opts)));
    }
    kpu::ExternalDataOptions external;
    external.allow_paths_outside_base_dir = opts.allow_external_paths != 0;
    return ParseInto(std::string(static_cast<const char*>(data), size), opts.base_dir ? opts.base_dir : "", out,
                     external);
  })
}

kpu_status kpu_graph_load_file(const char* path, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(path);
    ABI_REQUIRE_NOT_NULL(out);
    if (kpu_status s = kpu::c_api::CheckRegularFile(__func__, path, "a graph file"); s != KPU_OK) return s;
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(KPU_ERROR_IO, absl::StrCat("cannot open graph file '", path, "'"));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::string p(path);
    const size_t slash = p.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : p.substr(0, slash);
    kpu_status s = ParseInto(bytes.str(), dir, out);
    if (s != KPU_OK) return Fail(s, absl::StrCat(path, ": ", kpu_last_error()));
    return KPU_OK;
  })
}

void kpu_graph_destroy(kpu_graph* graph) { delete graph; }

kpu_status kpu_graph_add_input(kpu_graph* graph, const char* name, kpu_dtype dtype, size_t rank, const int64_t* dims) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    kpu::ir::Tensor t;
    uint64_t bytes = 0;
    if (kpu_status s = FillTensor(__func__, &t, name, dtype, rank, dims, &bytes); s != KPU_OK) return s;
    ABI_REQUIRE(!HasTensor(graph->proto, name), absl::StrCat("kpu_graph_add_input: tensor '", name, "' already exists"));
    *graph->proto.add_tensors() = std::move(t);
    graph->proto.add_inputs(name);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_constant(kpu_graph* graph, const char* name, kpu_dtype dtype, size_t rank,
                                  const int64_t* dims, const void* data, size_t size_bytes) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    kpu::ir::Tensor t;
    uint64_t expected = 0;
    if (kpu_status s = FillTensor(__func__, &t, name, dtype, rank, dims, &expected); s != KPU_OK) return s;
    ABI_REQUIRE(!HasTensor(graph->proto, name), absl::StrCat("kpu_graph_add_constant: tensor '", name, "' already exists"));
    ABI_REQUIRE(data != nullptr, absl::StrCat("kpu_graph_add_constant: constant '", name, "' data is NULL"));
    ABI_REQUIRE(size_bytes == expected, absl::StrCat("kpu_graph_add_constant: constant '", name, "' has size_bytes ",
                                                     size_bytes, "; its shape and dtype need ", expected));
    t.set_raw_data(std::string(static_cast<const char*>(data), size_bytes));
    *graph->proto.add_tensors() = std::move(t);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_node(kpu_graph* graph, const char* op_type, const char* name, const char* const* inputs,
                              size_t n_inputs, const char* const* outputs, size_t n_outputs, const kpu_attr* attrs,
                              size_t n_attrs) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    ABI_REQUIRE_NOT_NULL(op_type);
    ABI_REQUIRE(op_type[0] != '\0', "kpu_graph_add_node: op_type is empty");
    ABI_REQUIRE(inputs != nullptr || n_inputs == 0, absl::StrCat("kpu_graph_add_node: inputs is NULL with n_inputs ", n_inputs));
    ABI_REQUIRE(outputs != nullptr || n_outputs == 0,
                absl::StrCat("kpu_graph_add_node: outputs is NULL with n_outputs ", n_outputs));
    ABI_REQUIRE(attrs != nullptr || n_attrs == 0, absl::StrCat("kpu_graph_add_node: attrs is NULL with n_attrs ", n_attrs));
    kpu::ir::Node node;
    node.set_op_type(op_type);
    node.set_name(name ? name : absl::StrCat(op_type, "_", graph->proto.nodes_size()));
    for (size_t i = 0; i < n_inputs; ++i) {
      ABI_REQUIRE(inputs[i] != nullptr, absl::StrCat("kpu_graph_add_node: inputs[", i, "] is NULL"));
      node.add_inputs(inputs[i]);
    }
    for (size_t i = 0; i < n_outputs; ++i) {
      ABI_REQUIRE(outputs[i] != nullptr, absl::StrCat("kpu_graph_add_node: outputs[", i, "] is NULL"));
      node.add_outputs(outputs[i]);
    }
    for (size_t i = 0; i < n_attrs; ++i) {
      const kpu_attr& a = attrs[i];
      ABI_REQUIRE(a.name != nullptr, absl::StrCat("kpu_graph_add_node: attrs[", i, "].name is NULL"));
      kpu::ir::Attribute& v = (*node.mutable_attributes())[a.name];
      switch (a.type) {
        case KPU_ATTR_INT: v.set_i(a.i); break;
        case KPU_ATTR_FLOAT: v.set_f(a.f); break;
        case KPU_ATTR_STRING:
          ABI_REQUIRE(a.s != nullptr, absl::StrCat("kpu_graph_add_node: attribute '", a.name, "': s is NULL"));
          v.set_s(a.s);
          break;
        case KPU_ATTR_INTS:
          ABI_REQUIRE(a.ints != nullptr || a.n_values == 0,
                      absl::StrCat("kpu_graph_add_node: attribute '", a.name, "': ints is NULL with n_values ", a.n_values));
          v.mutable_ints();  // an empty list is still a list
          for (size_t k = 0; k < a.n_values; ++k) v.mutable_ints()->add_values(a.ints[k]);
          break;
        case KPU_ATTR_FLOATS:
          ABI_REQUIRE(a.floats != nullptr || a.n_values == 0,
                      absl::StrCat("kpu_graph_add_node: attribute '", a.name, "': floats is NULL with n_values ", a.n_values));
          v.mutable_floats();
          for (size_t k = 0; k < a.n_values; ++k) v.mutable_floats()->add_values(a.floats[k]);
          break;
        default:
          return Fail(KPU_ERROR_INVALID_ARGUMENT, absl::StrCat("kpu_graph_add_node: attribute '", a.name,
                                                               "' has an unknown type ", static_cast<int>(a.type)));
      }
    }
    *graph->proto.add_nodes() = std::move(node);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_output(kpu_graph* graph, const char* name) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    ABI_REQUIRE_NOT_NULL(name);
    ABI_REQUIRE(name[0] != '\0', "kpu_graph_add_output: name is empty");
    for (const std::string& o : graph->proto.outputs()) {
      ABI_REQUIRE(o != name, absl::StrCat("kpu_graph_add_output: '", name, "' is already a graph output"));
    }
    graph->proto.add_outputs(name);
    return KPU_OK;
  })
}

kpu_status kpu_graph_serialize(const kpu_graph* graph, int json, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    ABI_REQUIRE_NOT_NULL(out);
    ABI_REQUIRE(json == 0 || json == 1, absl::StrCat("kpu_graph_serialize: json is ", json, "; 0 (binary) or 1 (JSON)"));
    if (!json) {
      // Map fields (node attributes) in key order: the same graph gives the same bytes.
      *out = kpu::c_api::NewBuffer(kpu::SerializeDeterministic(graph->proto));
      return KPU_OK;
    }
    auto text = kpu::GraphToJson(graph->proto);
    if (!text.ok()) return ToStatus(text.status());
    *out = kpu::c_api::NewBuffer(std::move(*text));
    return KPU_OK;
  })
}

kpu_status kpu_graph_import_scalesim_topology(const void* data, size_t size, const char* source, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(data);
    ABI_REQUIRE_NOT_NULL(out);
    // Checked before the copy: the bound is what keeps hostile input from costing memory.
    ABI_REQUIRE(size <= kpu::compiler::kMaxScaleSimTopologyBytes,
                absl::StrCat("kpu_graph_import_scalesim_topology: the topology is ", size,
                             " bytes, more than the 16 MiB a topology may have"));
    auto graph = kpu::compiler::ImportScaleSimTopology(std::string(static_cast<const char*>(data), size),
                                                       source ? source : "topology");
    if (!graph.ok()) return ToStatus(graph.status());
    *out = new kpu_graph{std::move(*graph)};
    return KPU_OK;
  })
}

}  // extern "C"
