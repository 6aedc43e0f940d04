// Pooling attributes and PyTorch's output-size rules, shared by the registry and the kernels.
#ifndef KPU_IR_OPS_POOL_H_
#define KPU_IR_OPS_POOL_H_

#include <algorithm>
#include <array>

#include "absl/status/statusor.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::ops {

struct Pool2dAttrs {
  std::array<int64_t, 2> kernel{1, 1};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};  // max_pool2d only
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg_pool2d only
  int64_t divisor_override = 0;   // avg_pool2d only; 0 = none
};

absl::StatusOr<Pool2dAttrs> Pool2dAttrsOf(const AttrMap& attrs);
// PyTorch's pooling_output_shape: with ceil_mode the last window must still start inside the
// input or its left padding.
int64_t PoolOutputSize(int64_t in, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode);
absl::StatusOr<Shape> Pool2dOutputShape(const Shape& x, const Pool2dAttrs& a);

// ATen's avg-pool window of output o along one spatial dimension (d: 0 rows, 1 columns) over `in`
// elements: the input range [begin, end) it sums, clipped to the input, and this dimension's
// factor of the divisor (the window clipped to input + padding with count_include_pad, else the
// summed range's length). Without divisor_override the divisor is the product of both factors.
struct AvgPoolWindow {
  int64_t begin = 0, end = 0, divisor = 1;
};

inline AvgPoolWindow AvgPoolWindowAt(const Pool2dAttrs& a, int64_t in, int64_t o, int d) {
  const int64_t start = o * a.stride[d] - a.padding[d];
  const int64_t stop = std::min(start + a.kernel[d], in + a.padding[d]);
  AvgPoolWindow w{std::max<int64_t>(start, 0), std::min(stop, in), 0};
  w.divisor = a.count_include_pad ? stop - start : w.end - w.begin;
  return w;
}

// Adaptive pooling bin o of `out` over `in` elements: [floor(o*in/out), ceil((o+1)*in/out)).
inline int64_t AdaptiveStart(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t AdaptiveEnd(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_POOL_H_
