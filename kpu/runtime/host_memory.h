// How much host memory a runtime may allocate for one loaded program (its DRAM arena and its copy
// of the weights). A `.kpu` file only claims sizes; this limit, not the file, decides what gets
// allocated (issue 6: a 1 KB file once made kpu_load allocate 8.4 GB).
//
// The limit is KPU_MAX_HOST_MEMORY_BYTES from the environment (a decimal byte count), read at each
// load, or kDefaultMaxHostMemoryBytes. An environment variable rather than a kpu_load argument so
// that every binding (Python, Rust, C) and every tool gets it without an ABI change; a deployment
// service sets it once for the process.
#ifndef KPU_RUNTIME_HOST_MEMORY_H_
#define KPU_RUNTIME_HOST_MEMORY_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace kpu::runtime {

constexpr uint64_t kDefaultMaxHostMemoryBytes = uint64_t{4} << 30;
constexpr char kMaxHostMemoryEnv[] = "KPU_MAX_HOST_MEMORY_BYTES";

// The limit in effect; an error when the variable is set but not a positive decimal number.
absl::StatusOr<uint64_t> MaxHostMemoryBytes();

// OK when `bytes` fit the limit; otherwise a memory-exceeded error naming the limit and the
// variable that raises it.
absl::Status CheckHostMemory(uint64_t bytes, const std::string& what);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_HOST_MEMORY_H_
