// What both tools share: reading files, choosing a config, reporting kpu.h errors.
#ifndef TOOLS_CLI_COMMON_H_
#define TOOLS_CLI_COMMON_H_

#include <string>

#include "kpu/c_api/kpu.h"

namespace kpu::tools {

// Prints "<tool>: <what>: <kpu_last_error()>" to stderr and returns the exit code for `status`.
int Report(const char* tool, const std::string& what, kpu_status status);

bool ReadFile(const std::string& path, std::string* out);
bool WriteFile(const std::string& path, const void* data, size_t size);

// `spec` is a preset name or a path to a KPUConfig JSON file; empty means the default.
kpu_status LoadConfig(const std::string& spec, kpu_config** out);

}  // namespace kpu::tools

#endif  // TOOLS_CLI_COMMON_H_
