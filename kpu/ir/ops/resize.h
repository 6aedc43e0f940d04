// Source coordinates of the 2-D resizes, exactly as ATen computes them.
#ifndef KPU_IR_OPS_RESIZE_H_
#define KPU_IR_OPS_RESIZE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace kpu::ops {

// upsample_nearest2d with an output size: src = min(floor(dst * (float)in / out), in - 1).
inline int64_t NearestSource(int64_t dst, int64_t in, int64_t out) {
  if (in == out) return dst;
  if (out == 2 * in) return dst >> 1;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  return std::min(static_cast<int64_t>(std::floor(static_cast<float>(dst) * scale)), in - 1);
}

// upsample_bilinear2d: the two source indices and the weight of the second.
struct LinearTap {
  int64_t i0 = 0, i1 = 0;
  float w1 = 0;
};

inline LinearTap BilinearSource(int64_t dst, int64_t in, int64_t out, bool align_corners) {
  float src;
  if (align_corners) {
    const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
    src = scale * static_cast<float>(dst);
  } else {
    const float scale = static_cast<float>(in) / static_cast<float>(out);
    src = std::max(scale * (static_cast<float>(dst) + 0.5f) - 0.5f, 0.0f);
  }
  LinearTap t;
  t.i0 = std::min(static_cast<int64_t>(src), in - 1);
  t.i1 = std::min(t.i0 + 1, in - 1);
  t.w1 = std::min(src - static_cast<float>(t.i0), 1.0f);
  return t;
}

}  // namespace kpu::ops

#endif  // KPU_IR_OPS_RESIZE_H_
