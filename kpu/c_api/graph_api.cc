// Building, parsing and serializing graphs.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "kpu/c_api/c_api_internal.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/graph_util.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

namespace {

kpu_status FillTensor(kpu::ir::Tensor* t, const char* name, kpu_dtype dtype, size_t rank, const int64_t* dims) {
  ABI_REQUIRE(name != nullptr && name[0] != '\0', "tensor name must not be empty");
  ABI_REQUIRE(rank <= KPU_MAX_RANK, absl::StrCat("tensor '", name, "' has rank ", rank, " > ", KPU_MAX_RANK));
  ABI_REQUIRE(rank == 0 || dims != nullptr, absl::StrCat("tensor '", name, "': dims must not be NULL"));
  ABI_REQUIRE(kpu_dtype_size(dtype) != 0, absl::StrCat("tensor '", name, "' has an unknown dtype ", static_cast<int>(dtype)));
  t->set_name(name);
  t->set_dtype(static_cast<kpu::ir::DataType>(dtype));
  for (size_t i = 0; i < rank; ++i) {
    ABI_REQUIRE(dims[i] > 0, absl::StrCat("tensor '", name, "' has a non-positive dimension"));
    t->add_shape(dims[i]);
  }
  return KPU_OK;
}

bool HasTensor(const kpu::ir::Graph& g, const std::string& name) {
  for (const auto& t : g.tensors()) {
    if (t.name() == name) return true;
  }
  return false;
}

kpu_status ParseInto(const std::string& bytes, const std::string& base_dir, kpu_graph** out,
                     const kpu::ExternalDataOptions& external = {}) {
  auto graph = kpu::ParseGraph(bytes);
  if (!graph.ok()) return ToStatus(graph.status());
  if (absl::Status s = kpu::ResolveConstantData(&*graph, base_dir, external); !s.ok()) return ToStatus(s);
  *out = new kpu_graph{std::move(*graph)};
  return KPU_OK;
}

}  // namespace

extern "C" {

kpu_status kpu_graph_create(const char* name, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE(out != nullptr, "kpu_graph_create: out must not be NULL");
    auto* g = new kpu_graph;
    g->proto.set_name(name ? name : "graph");
    *out = g;
    return KPU_OK;
  })
}

kpu_status kpu_graph_parse(const void* data, size_t size, const char* base_dir, kpu_graph** out) {
  ABI_GUARD({
    ABI_REQUIRE((data != nullptr || size == 0) && out != nullptr, "kpu_graph_parse: data and out must not be NULL");
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
    ABI_REQUIRE((data != nullptr || size == 0) && out != nullptr,
                "kpu_graph_parse_with_options: data and out must not be NULL");
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
    ABI_REQUIRE(path != nullptr && out != nullptr, "kpu_graph_load_file: path and out must not be NULL");
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
    ABI_REQUIRE(graph != nullptr, "kpu_graph_add_input: graph must not be NULL");
    ABI_REQUIRE(name == nullptr || !HasTensor(graph->proto, name), absl::StrCat("tensor '", name, "' already exists"));
    kpu::ir::Tensor t;
    if (kpu_status s = FillTensor(&t, name, dtype, rank, dims); s != KPU_OK) return s;
    *graph->proto.add_tensors() = std::move(t);
    graph->proto.add_inputs(name);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_constant(kpu_graph* graph, const char* name, kpu_dtype dtype, size_t rank,
                                  const int64_t* dims, const void* data, size_t size_bytes) {
  ABI_GUARD({
    ABI_REQUIRE(graph != nullptr && (data != nullptr || size_bytes == 0), "kpu_graph_add_constant: graph and data must not be NULL");
    ABI_REQUIRE(name == nullptr || !HasTensor(graph->proto, name), absl::StrCat("tensor '", name, "' already exists"));
    kpu::ir::Tensor t;
    if (kpu_status s = FillTensor(&t, name, dtype, rank, dims); s != KPU_OK) return s;
    size_t expected = kpu_dtype_size(dtype);
    for (size_t i = 0; i < rank; ++i) expected *= static_cast<size_t>(dims[i]);
    ABI_REQUIRE(size_bytes == expected, absl::StrCat("constant '", name, "' has ", size_bytes,
                                                     " bytes; its shape and dtype need ", expected));
    t.set_raw_data(std::string(static_cast<const char*>(data), size_bytes));
    *graph->proto.add_tensors() = std::move(t);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_node(kpu_graph* graph, const char* op_type, const char* name, const char* const* inputs,
                              size_t n_inputs, const char* const* outputs, size_t n_outputs, const kpu_attr* attrs,
                              size_t n_attrs) {
  ABI_GUARD({
    ABI_REQUIRE(graph != nullptr && op_type != nullptr, "kpu_graph_add_node: graph and op_type must not be NULL");
    ABI_REQUIRE((inputs != nullptr || n_inputs == 0) && (outputs != nullptr || n_outputs == 0) &&
                    (attrs != nullptr || n_attrs == 0),
                "kpu_graph_add_node: NULL array with a non-zero count");
    kpu::ir::Node node;
    node.set_op_type(op_type);
    node.set_name(name ? name : absl::StrCat(op_type, "_", graph->proto.nodes_size()));
    for (size_t i = 0; i < n_inputs; ++i) {
      ABI_REQUIRE(inputs[i] != nullptr, "kpu_graph_add_node: NULL input name");
      node.add_inputs(inputs[i]);
    }
    for (size_t i = 0; i < n_outputs; ++i) {
      ABI_REQUIRE(outputs[i] != nullptr, "kpu_graph_add_node: NULL output name");
      node.add_outputs(outputs[i]);
    }
    for (size_t i = 0; i < n_attrs; ++i) {
      const kpu_attr& a = attrs[i];
      ABI_REQUIRE(a.name != nullptr, "kpu_graph_add_node: NULL attribute name");
      kpu::ir::Attribute& v = (*node.mutable_attributes())[a.name];
      switch (a.type) {
        case KPU_ATTR_INT: v.set_i(a.i); break;
        case KPU_ATTR_FLOAT: v.set_f(a.f); break;
        case KPU_ATTR_STRING:
          ABI_REQUIRE(a.s != nullptr, absl::StrCat("attribute '", a.name, "': NULL string"));
          v.set_s(a.s);
          break;
        case KPU_ATTR_INTS:
          ABI_REQUIRE(a.ints != nullptr || a.n_values == 0, absl::StrCat("attribute '", a.name, "': NULL ints"));
          v.mutable_ints();  // an empty list is still a list
          for (size_t k = 0; k < a.n_values; ++k) v.mutable_ints()->add_values(a.ints[k]);
          break;
        case KPU_ATTR_FLOATS:
          ABI_REQUIRE(a.floats != nullptr || a.n_values == 0, absl::StrCat("attribute '", a.name, "': NULL floats"));
          v.mutable_floats();
          for (size_t k = 0; k < a.n_values; ++k) v.mutable_floats()->add_values(a.floats[k]);
          break;
        default:
          return Fail(KPU_ERROR_INVALID_ARGUMENT, absl::StrCat("attribute '", a.name, "' has an unknown type"));
      }
    }
    *graph->proto.add_nodes() = std::move(node);
    return KPU_OK;
  })
}

kpu_status kpu_graph_add_output(kpu_graph* graph, const char* name) {
  ABI_GUARD({
    ABI_REQUIRE(graph != nullptr && name != nullptr, "kpu_graph_add_output: graph and name must not be NULL");
    graph->proto.add_outputs(name);
    return KPU_OK;
  })
}

kpu_status kpu_graph_serialize(const kpu_graph* graph, int json, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE(graph != nullptr && out != nullptr, "kpu_graph_serialize: graph and out must not be NULL");
    if (!json) {
      *out = kpu::c_api::NewBuffer(graph->proto.SerializeAsString());
      return KPU_OK;
    }
    auto text = kpu::GraphToJson(graph->proto);
    if (!text.ok()) return ToStatus(text.status());
    *out = kpu::c_api::NewBuffer(std::move(*text));
    return KPU_OK;
  })
}

}  // extern "C"
