// Pooling on the vector unit: one max or add per window element of every output element (an avg
// pool divides once more). Window tiles carry the kernel in their Compute's attributes; adaptive
// bins overlap and differ in size, so their work is summed over the tile's bins.
#include "absl/strings/str_cat.h"
#include "kpu/cost/ops/ops.h"
#include "kpu/cost/vector.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/ops/op_util.h"
#include "kpu/ir/ops/pool.h"

namespace kpu::cost {
namespace {

ComputeCost FromWork(const VectorWork& w, uint32_t lanes) {
  ComputeCost c;
  c.vector_ops = w.ops;
  c.exps = w.exps;
  c.vector_cycles = VectorCycles(w, lanes);
  return c;
}

ComputeCostFn WindowPoolCost(uint64_t extra_ops_per_output) {
  return [=](const ComputeTile& t) -> absl::StatusOr<ComputeCost> {
    KPU_ASSIGN_OR_RETURN(std::vector<int64_t> k, ops::GetInts(t.compute.attributes(), "kernel", {}, 2));
    if (k[0] <= 0 || k[1] <= 0) {
      return InvalidProgramError(absl::StrCat("op '", t.op.id(), "': a '", t.compute.function(),
                                              "' compute needs a positive kernel"));
    }
    KPU_ASSIGN_OR_RETURN(uint64_t area, CheckedMul(k[0], k[1]));
    return FromWork(ElementWork(static_cast<uint64_t>(t.output.ValidElements()), area + extra_ops_per_output, 0),
                    t.vector_lanes);
  };
}

// Sum of the whole op's bin sizes (`out` bins over `in` elements) of outputs [lo, hi): a tile's
// bins are the whole op's at its position (kernels/pool.cc).
uint64_t BinTaps(int64_t lo, int64_t hi, int64_t in, int64_t out) {
  uint64_t taps = 0;
  for (int64_t o = lo; o < hi; ++o) taps += ops::AdaptiveEnd(o, in, out) - ops::AdaptiveStart(o, in, out);
  return taps;
}

ComputeCostFn AdaptivePoolCost(uint64_t extra_ops_per_output) {
  return [=](const ComputeTile& t) -> absl::StatusOr<ComputeCost> {
    const Place& x = t.inputs.at(0);
    const Place& y = t.output;
    const Box valid = y.ValidIndices();
    if (x.tensor_shape.size() != 4 || valid.Extent().size() != 4) return ComputeCost{};  // a tile outside the tensor
    const Shape extent = valid.Extent();
    // Planes x (taps of the row bins) x (taps of the column bins): every tap is one max or add.
    KPU_ASSIGN_OR_RETURN(uint64_t planes, CheckedMul(extent[0], extent[1]));
    uint64_t axis_taps[2];
    for (int d = 0; d < 2; ++d) {
      const int64_t first = y.origin[2 + d] + valid.lo[2 + d] * y.stride[2 + d];
      axis_taps[d] = BinTaps(first, first + extent[2 + d], x.tensor_shape[2 + d], y.tensor_shape[2 + d]);
    }
    KPU_ASSIGN_OR_RETURN(uint64_t taps, CheckedMul(axis_taps[0], axis_taps[1]));
    KPU_ASSIGN_OR_RETURN(taps, CheckedMul(taps, planes));
    VectorWork w = ElementWork(static_cast<uint64_t>(t.output.ValidElements()), extra_ops_per_output, 0);
    w.ops += taps;
    return FromWork(w, t.vector_lanes);
  };
}

}  // namespace

void RegisterPoolCosts(ComputeCostTable& t) {
  t["max_pool2d"] = WindowPoolCost(0);
  t["avg_pool2d"] = WindowPoolCost(1);
  t["adaptive_max_pool2d"] = AdaptivePoolCost(0);
  t["adaptive_avg_pool2d"] = AdaptivePoolCost(1);
}

}  // namespace kpu::cost
