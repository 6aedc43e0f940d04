// Loading programs into runtimes, executing, and reading metrics.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kpu/ir/proto_json.h"
#include "kpu/c_api/c_api_internal.h"
#include "kpu/c_api/execute_args.h"
#include "kpu/c_api/struct_io.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

extern "C" {

kpu_status kpu_load(const kpu_program* program, const kpu_config* config, kpu_runtime** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(program);
    ABI_REQUIRE_NOT_NULL(out);
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
    ABI_REQUIRE_NOT_NULL(runtime);
    kpu_execute_options opts;
    kpu_execute_options_init(&opts);
    if (options != nullptr) {
      if (kpu_status s = kpu::c_api::ReadInStruct("kpu_execute: options", "kpu_execute_options", options,
                                                  kpu::c_api::kMinStructSize, &opts);
          s != KPU_OK) {
        return s;
      }
    }
    ABI_REQUIRE(kpu::c_api::IsMode(opts.mode),
                absl::StrCat("kpu_execute: options.mode is ", static_cast<int>(opts.mode), ", not a kpu_mode (",
                             KPU_MODE_FUNCTIONAL, "..", KPU_MODE_POWER_TRACE, ")"));
    ABI_REQUIRE(kpu::c_api::IsEngine(opts.engine),
                absl::StrCat("kpu_execute: options.engine is ", static_cast<int>(opts.engine), ", not a kpu_engine (",
                             KPU_ENGINE_FAST, "..", KPU_ENGINE_DFX_INTERPRETER_REORDERED, ")"));
    std::vector<kpu::runtime::HostTensor> in, out;
    if (kpu_status s = kpu::c_api::ReadExecuteTensors(runtime->executor->program(), inputs, n_inputs, outputs,
                                                      n_outputs, &in, &out);
        s != KPU_OK) {
      return s;
    }
    kpu::runtime::ExecuteOptions eo;
    eo.mode = static_cast<kpu::runtime::Mode>(opts.mode);
    eo.engine = static_cast<kpu::runtime::Engine>(opts.engine);
    return ToStatus(runtime->executor->Execute(in, out, eo));
  })
}

kpu_status kpu_runtime_metrics(const kpu_runtime* runtime, kpu_metrics* out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(runtime);
    ABI_REQUIRE_NOT_NULL(out);
    if (kpu_status s = kpu::c_api::CheckOutStruct("kpu_runtime_metrics: out", "kpu_metrics", out); s != KPU_OK) return s;
    const auto& m = runtime->executor->last_metrics();
    ABI_REQUIRE(m.has_value(), "kpu_runtime_metrics: no metrics yet: nothing has been executed on this runtime");
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
    kpu::c_api::WriteOutStruct(r, out);
    return KPU_OK;
  })
}

kpu_status kpu_runtime_metrics_json(const kpu_runtime* runtime, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(runtime);
    ABI_REQUIRE_NOT_NULL(out);
    const auto& m = runtime->executor->last_metrics();
    ABI_REQUIRE(m.has_value(), "kpu_runtime_metrics_json: no metrics yet: nothing has been executed on this runtime");
    auto json = kpu::ToJson(*m, true);
    if (!json.ok()) return ToStatus(json.status());
    *out = kpu::c_api::NewBuffer(std::move(*json));
    return KPU_OK;
  })
}

kpu_status kpu_runtime_schedule_text(const kpu_runtime* runtime, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(runtime);
    ABI_REQUIRE_NOT_NULL(out);
    *out = kpu::c_api::NewBuffer(runtime->executor->ScheduleText());
    return KPU_OK;
  })
}

}  // extern "C"
