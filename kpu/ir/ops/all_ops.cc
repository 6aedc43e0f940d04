#include "kpu/ir/ops/all_ops.h"

namespace kpu {

void RegisterAllOps(OpRegistry& r) {
  ops::RegisterMatmulOps(r);
  ops::RegisterElementwiseOps(r);
  ops::RegisterConvOps(r);
  ops::RegisterPoolOps(r);
  ops::RegisterNormOps(r);
  ops::RegisterShapeOps(r);
  ops::RegisterReduceOps(r);
  ops::RegisterSoftmaxOps(r);
  ops::RegisterResizeOps(r);
}

}  // namespace kpu
