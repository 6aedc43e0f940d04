// Reductions and standalone batch_norm on the vector unit.
#include "kpu/cost/ops/ops.h"
#include "kpu/cost/vector.h"

namespace kpu::cost {
namespace {

// One add (or max) per input element the tile reduces, plus one divide per output for mean.
ComputeCostFn ReductionCost(uint64_t ops_per_output) {
  return [=](const ComputeTile& t) -> absl::StatusOr<ComputeCost> {
    const uint64_t in = t.inputs.empty() ? 0 : static_cast<uint64_t>(t.inputs[0].ValidElements());
    const uint64_t out = static_cast<uint64_t>(t.output.ValidElements());
    VectorWork w = ElementWork(in, 1, 0);
    w.ops += out * ops_per_output;
    ComputeCost c;
    c.vector_ops = w.ops;
    c.vector_cycles = VectorCycles(w, t.vector_lanes);
    return c;
  };
}

}  // namespace

void RegisterReduceCosts(ComputeCostTable& t) {
  t["sum"] = ReductionCost(0);
  t["amax"] = ReductionCost(0);
  t["mean"] = ReductionCost(1);
  // Eval batch norm is one multiply and one add per element (scale and shift per channel).
  t["batch_norm"] = VectorCost(2, 0);
}

}  // namespace kpu::cost
