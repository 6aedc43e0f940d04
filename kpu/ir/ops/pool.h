// Pooling attributes and PyTorch's output-size rules, shared by the registry and the kernels.
#ifndef KPU_IR_OPS_POOL_H_
#define KPU_IR_OPS_POOL_H_

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

// Adaptive pooling bin o of `out` over `in` elements: [floor(o*in/out), ceil((o+1)*in/out)).
inline int64_t AdaptiveStart(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
inline int64_t AdaptiveEnd(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_POOL_H_
