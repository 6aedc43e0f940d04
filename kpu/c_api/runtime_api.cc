// Loading programs into runtimes, executing, and reading metrics.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kpu/ir/proto_json.h"
#include "kpu/c_api/c_api_internal.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

namespace {

kpu_status ToHost(const kpu_tensor* t, const char* what, kpu::runtime::HostTensor* out) {
  ABI_REQUIRE(t->struct_size >= sizeof(kpu_tensor), absl::StrCat(what, " kpu_tensor.struct_size is too small"));
  ABI_REQUIRE(t->name != nullptr, absl::StrCat(what, " tensor has no name"));
  ABI_REQUIRE(t->rank <= KPU_MAX_RANK && (t->dims != nullptr || t->rank == 0),
              absl::StrCat(what, " '", t->name, "' has an invalid rank or NULL dims"));
  out->name = t->name;
  out->dtype = static_cast<kpu::ir::DataType>(t->dtype);
  out->shape.assign(t->dims, t->dims + t->rank);
  out->data = t->data;
  out->size_bytes = t->size_bytes;
  return KPU_OK;
}

}  // namespace

extern "C" {

kpu_status kpu_load(const kpu_program* program, const kpu_config* config, kpu_runtime** out) {
  ABI_GUARD({
    ABI_REQUIRE(program != nullptr && out != nullptr, "kpu_load: program and out must not be NULL");
    auto executor = kpu::runtime::Executor::Load(program->program, config ? &config->proto : nullptr);
    if (!executor.ok()) return ToStatus(executor.status());
    *out = new kpu_runtime{std::move(*executor)};
    return KPU_OK;
  })
}

void kpu_runtime_destroy(kpu_runtime* runtime) { delete runtime; }

void kpu_execute_options_init(kpu_execute_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->mode = KPU_MODE_FUNCTIONAL;
  options->engine = KPU_ENGINE_FAST;
}

kpu_status kpu_execute(kpu_runtime* runtime, const kpu_tensor* inputs, size_t n_inputs, kpu_tensor* outputs,
                       size_t n_outputs, const kpu_execute_options* options) {
  ABI_GUARD({
    ABI_REQUIRE(runtime != nullptr, "kpu_execute: runtime must not be NULL");
    ABI_REQUIRE((inputs != nullptr || n_inputs == 0) && (outputs != nullptr || n_outputs == 0),
                "kpu_execute: NULL tensor array with a non-zero count");
    kpu_execute_options opts;
    kpu_execute_options_init(&opts);
    if (options != nullptr) std::memcpy(&opts, options, std::min(options->struct_size, sizeof(opts)));
    ABI_REQUIRE(opts.mode >= KPU_MODE_FUNCTIONAL && opts.mode <= KPU_MODE_POWER_TRACE, "kpu_execute: unknown mode");
    ABI_REQUIRE(opts.engine == KPU_ENGINE_FAST || opts.engine == KPU_ENGINE_DFX_INTERPRETER ||
                    opts.engine == KPU_ENGINE_DFX_INTERPRETER_REORDERED, "kpu_execute: unknown engine");
    std::vector<kpu::runtime::HostTensor> in(n_inputs), out(n_outputs);
    for (size_t i = 0; i < n_inputs; ++i) {
      if (kpu_status s = ToHost(&inputs[i], "input", &in[i]); s != KPU_OK) return s;
    }
    for (size_t i = 0; i < n_outputs; ++i) {
      if (kpu_status s = ToHost(&outputs[i], "output", &out[i]); s != KPU_OK) return s;
    }
    kpu::runtime::ExecuteOptions eo;
    eo.mode = static_cast<kpu::runtime::Mode>(opts.mode);
    eo.engine = static_cast<kpu::runtime::Engine>(opts.engine);
    return ToStatus(runtime->executor->Execute(in, out, eo));
  })
}

kpu_status kpu_runtime_metrics(const kpu_runtime* runtime, kpu_metrics* out) {
  ABI_GUARD({
    ABI_REQUIRE(runtime != nullptr && out != nullptr, "kpu_runtime_metrics: runtime and out must not be NULL");
    ABI_REQUIRE(out->struct_size >= offsetof(kpu_metrics, total_cycles), "kpu_metrics.struct_size is too small");
    const auto& m = runtime->executor->last_metrics();
    ABI_REQUIRE(m.has_value(), "no metrics yet: nothing has been executed on this runtime");
    kpu_metrics r;
    std::memset(&r, 0, sizeof(r));
    r.struct_size = sizeof(r);
    r.total_cycles = m->total_cycles();
    r.total_time_us = m->total_time_us();
    r.compute_cycles = m->compute_cycles();
    r.memory_stall_cycles = m->memory_stall_cycles();
    r.other_cycles = m->other_cycles();
    r.dram_reads_bytes = m->dram_reads_bytes();
    r.dram_writes_bytes = m->dram_writes_bytes();
    r.sram_reads_bytes = m->sram_reads_bytes();
    r.sram_writes_bytes = m->sram_writes_bytes();
    r.l1_hits = m->l1_hits();
    r.l1_misses = m->l1_misses();
    r.l2_hits = m->l2_hits();
    r.l2_misses = m->l2_misses();
    r.average_power_watts = m->average_power_watts();
    r.total_energy_uj = m->total_energy_uj();
    r.compute_utilization = m->compute_utilization();
    r.memory_bandwidth_utilization = m->memory_bandwidth_utilization();
    r.total_macs = m->total_macs();
    r.peak_l3_bytes = m->peak_l3_bytes();
    r.peak_l2_bytes = m->peak_l2_bytes();
    r.peak_l1_bytes = m->peak_l1_bytes();
    // An older caller's smaller struct gets the prefix it knows.
    const size_t n = std::min(out->struct_size, sizeof(r));
    std::memcpy(out, &r, n);
    out->struct_size = n;
    return KPU_OK;
  })
}

kpu_status kpu_runtime_metrics_json(const kpu_runtime* runtime, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE(runtime != nullptr && out != nullptr, "kpu_runtime_metrics_json: runtime and out must not be NULL");
    const auto& m = runtime->executor->last_metrics();
    ABI_REQUIRE(m.has_value(), "no metrics yet: nothing has been executed on this runtime");
    auto json = kpu::ToJson(*m, true);
    if (!json.ok()) return ToStatus(json.status());
    *out = kpu::c_api::NewBuffer(std::move(*json));
    return KPU_OK;
  })
}

kpu_status kpu_runtime_schedule_text(const kpu_runtime* runtime, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE(runtime != nullptr && out != nullptr, "kpu_runtime_schedule_text: runtime and out must not be NULL");
    *out = kpu::c_api::NewBuffer(runtime->executor->ScheduleText());
    return KPU_OK;
  })
}

}  // extern "C"
