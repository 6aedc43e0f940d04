#include "kpu/c_api/c_api_internal.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/proto_json.h"

using kpu::c_api::Fail;
using kpu::c_api::ToStatus;

extern "C" {

size_t kpu_config_preset_count(void) {
  try {
    return kpu::PresetNames().size();
  } catch (...) {
    return 0;
  }
}

const char* kpu_config_preset_name(size_t index) {
  try {
    static const std::vector<std::string>* names = new std::vector<std::string>(kpu::PresetNames());
    return index < names->size() ? (*names)[index].c_str() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

kpu_status kpu_config_create_preset(const char* name, kpu_config** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(name);
    ABI_REQUIRE_NOT_NULL(out);
    auto config = kpu::PresetConfig(name);
    if (!config.ok()) return ToStatus(config.status());
    *out = new kpu_config{std::move(*config)};
    return KPU_OK;
  })
}

kpu_status kpu_config_parse(const void* data, size_t size, kpu_config** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(data);
    ABI_REQUIRE_NOT_NULL(out);
    ABI_REQUIRE(size > 0, "kpu_config_parse: data is empty (size 0)");
    auto config = kpu::ParseConfig(std::string(static_cast<const char*>(data), size));
    if (!config.ok()) return ToStatus(config.status());
    *out = new kpu_config{std::move(*config)};
    return KPU_OK;
  })
}

kpu_status kpu_config_to_json(const kpu_config* config, kpu_buffer** out) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(config);
    ABI_REQUIRE_NOT_NULL(out);
    auto json = kpu::ToJson(config->proto, false);
    if (!json.ok()) return ToStatus(json.status());
    *out = kpu::c_api::NewBuffer(std::move(*json));
    return KPU_OK;
  })
}

const char* kpu_config_name(const kpu_config* config) { return config ? config->proto.name().c_str() : ""; }

kpu_status kpu_config_compute_shape(const kpu_config* config, int64_t* rows, int64_t* cols, int64_t* tiles) {
  ABI_GUARD({
    ABI_REQUIRE_NOT_NULL(config);
    ABI_REQUIRE_NOT_NULL(rows);
    ABI_REQUIRE_NOT_NULL(cols);
    ABI_REQUIRE_NOT_NULL(tiles);
    const kpu::ir::ComputeConfig& c = config->proto.compute();
    *rows = c.array_rows();
    *cols = c.array_cols();
    *tiles = c.compute_tiles();
    return KPU_OK;
  })
}

void kpu_config_destroy(kpu_config* config) { delete config; }

}  // extern "C"
