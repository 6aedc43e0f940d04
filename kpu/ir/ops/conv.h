// conv2d and conv_transpose2d attributes, parsed and checked once for every layer (registry,
// kernels, lowering, cost).
#ifndef KPU_IR_OPS_CONV_H_
#define KPU_IR_OPS_CONV_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::ops {

struct Conv2dAttrs {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 4> padding{0, 0, 0, 0};  // top, left, bottom, right
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
  std::string activation = "none";
};

// Checks ranges (positive stride/dilation/groups, non-negative padding, a known activation).
absl::StatusOr<Conv2dAttrs> Conv2dAttrsOf(const AttrMap& attrs);
// The output shape [N, OC, OH, OW] of x[N, C, H, W] * w[OC, C/groups, KH, KW]; errors when the
// kernel is bigger than the padded input or groups do not divide the channels.
absl::StatusOr<Shape> Conv2dOutputShape(const Shape& x, const Shape& w, const Conv2dAttrs& a);

struct ConvTranspose2dAttrs {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  std::array<int64_t, 2> output_padding{0, 0};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t groups = 1;
};

absl::StatusOr<ConvTranspose2dAttrs> ConvTranspose2dAttrsOf(const AttrMap& attrs);
// x[N, C, H, W], w[C, OC/groups, KH, KW] -> [N, OC, (H-1)*s - 2p + d*(KH-1) + output_padding + 1, ...]
absl::StatusOr<Shape> ConvTranspose2dOutputShape(const Shape& x, const Shape& w, const ConvTranspose2dAttrs& a);

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_CONV_H_
