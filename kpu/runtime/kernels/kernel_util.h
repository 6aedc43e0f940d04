// Checks kernels share: a kernel trusts the registry's inference for attribute validity, but
// verifies that the views it got have the shapes it is about to index.
#ifndef KPU_RUNTIME_KERNELS_KERNEL_UTIL_H_
#define KPU_RUNTIME_KERNELS_KERNEL_UTIL_H_

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels.h"

namespace kpu::runtime {

inline absl::Status ExpectShape(const char* op, const char* what, const Shape& got, const Shape& want) {
  if (got == want) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat(op, " kernel: ", what, " is ", FormatShape(got), ", expected ",
                                           FormatShape(want)));
}

inline absl::Status ExpectInputs(const char* op, const KernelArgs& args, size_t lo, size_t hi) {
  if (args.inputs.size() < lo || args.inputs.size() > hi) {
    return InvalidArgumentError(absl::StrCat(op, " kernel: takes ", lo, "..", hi, " inputs, got ", args.inputs.size()));
  }
  return absl::OkStatus();
}

// Ops that are not linear in their output cannot accumulate partial results.
inline absl::Status NoAccumulate(const char* op, const KernelArgs& args) {
  if (!args.accumulate) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat(op, " kernel: cannot accumulate into its output"));
}

// Dimension `d` of a view as its whole tensor sees it: where the view starts and how long the
// tensor is (0 and the view's own extent on the fast path). Kernels that use positions take
// contiguous tiles only.
struct AxisPosition {
  int64_t origin = 0, whole = 0;
};

inline absl::StatusOr<AxisPosition> PositionOf(const char* op, const TilePosition& p, const Shape& shape, int d) {
  if (p.origin.empty()) return AxisPosition{0, shape[d]};
  if (p.origin.size() != shape.size() || p.whole.size() != shape.size() ||
      (!p.stride.empty() && p.stride.size() != shape.size())) {
    return InvalidArgumentError(absl::StrCat(op, " kernel: a tile position of the wrong rank"));
  }
  if (!p.stride.empty() && p.stride[d] != 1) {
    return InvalidArgumentError(absl::StrCat(op, " kernel: tiles must be contiguous, dimension ", d, " has stride ",
                                             p.stride[d]));
  }
  return AxisPosition{p.origin[d], p.whole[d]};
}

// Runs f(begin, end) over [0, n) split across the OpenMP threads oneDNN's convolutions use too,
// when n * cost_per_item is large enough to pay for waking them (whole tensors on the fast path);
// small work (DFX tiles) stays on the calling thread.
template <typename F>
void ParallelFor(int64_t n, int64_t cost_per_item, F f) {
  constexpr int64_t kMinParallelWork = int64_t{1} << 16;
  if (n <= 1 || n * std::max<int64_t>(cost_per_item, 1) < kMinParallelWork || omp_get_max_threads() < 2) {
    f(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    f(n * t / nt, n * (t + 1) / nt);
  }
}

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_KERNEL_UTIL_H_
