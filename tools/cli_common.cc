#include "tools/cli_common.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace kpu::tools {

int Report(const char* tool, const std::string& what, kpu_status status) {
  std::fprintf(stderr, "%s: %s: %s\n", tool, what.c_str(), kpu_last_error());
  return status == KPU_ERROR_INVALID_ARGUMENT ? 2 : 1;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

bool WriteFile(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  return static_cast<bool>(out);
}

kpu_status LoadConfig(const std::string& spec, kpu_config** out) {
  const std::string name = spec.empty() ? "swkpu-v1" : spec;
  std::string bytes;
  if (name.find('/') != std::string::npos || name.find(".json") != std::string::npos) {
    if (!ReadFile(name, &bytes)) {
      // Let the library produce the message for a missing preset; a path must exist.
      std::fprintf(stderr, "cannot read config file '%s'\n", name.c_str());
      return KPU_ERROR_IO;
    }
    return kpu_config_parse(bytes.data(), bytes.size(), out);
  }
  return kpu_config_create_preset(name.c_str(), out);
}

}  // namespace kpu::tools
