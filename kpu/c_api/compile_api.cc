// Compiling graphs and handling programs (.kpu).
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "kpu/c_api/c_api_internal.h"
#include "kpu/c_api/struct_io.h"
#include "kpu/compiler/compiler.h"
#include "kpu/compiler/object_writer.h"
#include "kpu/cost/op_cost.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/object_reader.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

namespace {

// Reads the caller's options, honouring only the fields its struct_size covers.
kpu_status ReadOptions(const kpu_compile_options* options, kpu::compiler::CompileOptions* o) {
  if (options == nullptr) return KPU_OK;
  kpu_compile_options c;
  kpu_compile_options_init(&c);
  if (kpu_status s = kpu::c_api::ReadInStruct("kpu_compile: options", "kpu_compile_options", options,
                                              kpu::c_api::kMinStructSize, &c);
      s != KPU_OK) {
    return s;
  }
  ABI_REQUIRE(kpu::c_api::IsDataflow(c.dataflow),
              absl::StrCat("kpu_compile: options.dataflow is ", static_cast<int>(c.dataflow),
                           ", not a kpu_dataflow (", KPU_DATAFLOW_AUTO, "..", KPU_DATAFLOW_INPUT_STATIONARY, ")"));
  // KPU_DATAFLOW_* and kpu.ir.Dataflow share their values (AUTO is DATAFLOW_UNSPECIFIED).
  o->dataflow = static_cast<kpu::ir::Dataflow>(c.dataflow);
  o->enable_fusion = c.enable_fusion != 0;
  o->enable_residency = c.enable_residency != 0;
  return KPU_OK;
}

const kpu::ir::TensorDescriptor* FindTensor(const kpu::Program& p, const std::string& name) {
  for (const auto& t : p.proto.tensors().tensors()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

kpu_status Info(const kpu_program* program, const google::protobuf::RepeatedPtrField<std::string>& ids, size_t index,
                kpu_tensor_info* out, const char* what) {
  const std::string fn = absl::StrCat("kpu_program_", what, "_info");
  ABI_REQUIRE(out != nullptr, fn + ": out is NULL");
  if (kpu_status s = kpu::c_api::CheckOutStruct(fn + ": out", "kpu_tensor_info", out); s != KPU_OK) return s;
  ABI_REQUIRE(index < static_cast<size_t>(ids.size()),
              absl::StrCat(fn, ": index ", index, " is out of range; the program has ", ids.size(), " ", what, "s"));
  const kpu::ir::TensorDescriptor* t = FindTensor(program->program, ids[static_cast<int>(index)]);
  ABI_REQUIRE(t != nullptr && t->shape_size() <= KPU_MAX_RANK, "program tensor table is inconsistent");
  kpu_tensor_info info;
  std::memset(&info, 0, sizeof(info));
  info.struct_size = sizeof(info);
  info.name = t->name().c_str();
  info.dtype = static_cast<kpu_dtype>(t->dtype());
  info.rank = t->shape_size();
  int64_t elements = 1;
  for (int d = 0; d < t->shape_size(); ++d) {
    info.dims[d] = t->shape(d);
    ABI_REQUIRE(t->shape(d) >= 0 && !__builtin_mul_overflow(elements, t->shape(d), &elements),
                "program tensor table is inconsistent");
  }
  auto bytes = kpu::BytesFor(t->dtype(), elements);
  if (!bytes.ok()) return ToStatus(bytes.status());
  info.size_bytes = *bytes;
  kpu::c_api::WriteOutStruct(info, out);
  return KPU_OK;
}

}  // namespace

extern "C" {

void kpu_compile_options_init(kpu_compile_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->dataflow = KPU_DATAFLOW_AUTO;
  options->enable_fusion = 1;
  options->enable_residency = 1;
}

kpu_status kpu_compile(const kpu_graph* graph, const kpu_config* config, const kpu_compile_options* options,
                       kpu_program** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(graph);
    ABI_REQUIRE_NOT_NULL(out);
    kpu::compiler::CompileOptions compile_options;
    if (kpu_status s = ReadOptions(options, &compile_options); s != KPU_OK) return s;
    const kpu::ir::KPUConfig cfg = config ? config->proto : kpu::DefaultConfig();
    auto program = kpu::compiler::Compile(graph->proto, cfg, compile_options);
    if (!program.ok()) return ToStatus(program.status());
    *out = new kpu_program{std::move(*program)};
    return KPU_OK;
  })
}

kpu_status kpu_program_serialize(const kpu_program* program, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(out);
    *out = kpu::c_api::NewBuffer(kpu::compiler::WriteObject(program->program));
    return KPU_OK;
  })
}

kpu_status kpu_program_save(const kpu_program* program, const char* path) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(path);
    return ToStatus(kpu::compiler::WriteObjectFile(program->program, path));
  })
}

kpu_status kpu_program_deserialize(const void* data, size_t size, kpu_program** out) {
  ABI_GUARD({
    // Empty bytes are a truncated .kpu: the reader says so with KPU_ERROR_INVALID_PROGRAM.
    ABI_REQUIRE_NOT_NULL(data);
    ABI_REQUIRE_NOT_NULL(out);
    auto program = kpu::runtime::ReadObject(std::string(static_cast<const char*>(data), size));
    if (!program.ok()) return ToStatus(program.status());
    *out = new kpu_program{std::move(*program)};
    return KPU_OK;
  })
}

kpu_status kpu_program_load_file(const char* path, kpu_program** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(path);
    ABI_REQUIRE_NOT_NULL(out);
    if (kpu_status s = kpu::c_api::CheckRegularFile(__func__, path, "a .kpu file"); s != KPU_OK) return s;
    auto program = kpu::runtime::ReadObjectFile(path);
    if (!program.ok()) return ToStatus(program.status());
    *out = new kpu_program{std::move(*program)};
    return KPU_OK;
  })
}

kpu_status kpu_program_to_json(const kpu_program* program, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(out);
    auto json = kpu::compiler::ProgramToJson(program->program);
    if (!json.ok()) return ToStatus(json.status());
    *out = kpu::c_api::NewBuffer(std::move(*json));
    return KPU_OK;
  })
}

kpu_status kpu_program_config(const kpu_program* program, kpu_config** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(out);
    *out = new kpu_config{program->program.proto.metadata().target_config()};
    return KPU_OK;
  })
}

void kpu_program_destroy(kpu_program* program) { delete program; }

size_t kpu_program_input_count(const kpu_program* program) {
  return program ? program->program.proto.metadata().input_ids_size() : 0;
}

size_t kpu_program_output_count(const kpu_program* program) {
  return program ? program->program.proto.metadata().output_ids_size() : 0;
}

kpu_status kpu_program_input_info(const kpu_program* program, size_t index, kpu_tensor_info* out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    return Info(program, program->program.proto.metadata().input_ids(), index, out, "input");
  })
}

kpu_status kpu_program_output_info(const kpu_program* program, size_t index, kpu_tensor_info* out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    return Info(program, program->program.proto.metadata().output_ids(), index, out, "output");
  })
}

size_t kpu_program_op_count(const kpu_program* program) {
  return program ? program->program.proto.operations().ops_size() : 0;
}

kpu_status kpu_program_op_estimate(const kpu_program* program, size_t index, kpu_op_estimate* out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(out);
    if (kpu_status s = kpu::c_api::CheckOutStruct("kpu_program_op_estimate: out", "kpu_op_estimate", out); s != KPU_OK) {
      return s;
    }
    const kpu::ir::KPUProgram& p = program->program.proto;
    ABI_REQUIRE(index < static_cast<size_t>(p.operations().ops_size()),
                absl::StrCat("kpu_program_op_estimate: index ", index, " is out of range; the program has ",
                             p.operations().ops_size(), " ops"));
    const kpu::ir::KPUOp& op = p.operations().ops(static_cast<int>(index));
    // The analytical mode's own per-op call (sim::EstimateProgram), so the two cannot differ.
    auto cost = kpu::cost::EstimateOp(op, program->Tensors(), p.metadata().target_config());
    if (!cost.ok()) return ToStatus(cost.status());
    kpu_op_estimate e;
    std::memset(&e, 0, sizeof(e));
    e.struct_size = sizeof(e);
    e.id = op.id().c_str();
    e.op_type = op.op_type().c_str();
    e.output = op.outputs_size() > 0 ? op.outputs(0).c_str() : "";
    // kpu_dataflow and kpu.ir.Dataflow share their values; a validated program holds no others.
    e.dataflow = static_cast<kpu_dataflow>(op.tiling().dataflow());
    ABI_REQUIRE(kpu::c_api::IsDataflow(e.dataflow), "program op table is inconsistent");
    e.cycles = cost->total_cycles;
    e.compute_cycles = cost->compute_cycles;
    e.stall_cycles = cost->stall_cycles;
    e.dram_bytes = cost->dram_bytes();
    e.macs = cost->macs;
    e.energy_pj = cost->energy.total_pj();
    kpu::c_api::WriteOutStruct(e, out);
    return KPU_OK;
  })
}

}  // extern "C"
