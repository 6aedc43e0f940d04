#include "kpu/runtime/host_memory.h"

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"

namespace kpu::runtime {

absl::StatusOr<uint64_t> MaxHostMemoryBytes() {
  const char* value = std::getenv(kMaxHostMemoryEnv);
  if (value == nullptr || value[0] == '\0') return kDefaultMaxHostMemoryBytes;
  uint64_t limit = 0;
  if (!absl::SimpleAtoi(value, &limit) || limit == 0) {
    return InvalidArgumentError(absl::StrCat(kMaxHostMemoryEnv, "='", value,
                                             "' is not a positive number of bytes"));
  }
  return limit;
}

absl::Status CheckHostMemory(uint64_t bytes, const std::string& what) {
  KPU_ASSIGN_OR_RETURN(uint64_t limit, MaxHostMemoryBytes());
  if (bytes <= limit) return absl::OkStatus();
  return MemoryExceededError("Host", bytes, limit,
                             absl::StrCat(what, " would pass the host memory limit of ", limit, " bytes; set ",
                                          kMaxHostMemoryEnv, " to raise it"));
}

}  // namespace kpu::runtime
