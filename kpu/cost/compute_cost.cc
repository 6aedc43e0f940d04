#include "kpu/cost/compute_cost.h"

#include "kpu/cost/ops/ops.h"
#include "kpu/cost/vector.h"
#include "kpu/ir/errors.h"

namespace kpu::cost {

ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element) {
  return [=](const ComputeTile& t) -> absl::StatusOr<ComputeCost> {
    const VectorWork w = ElementWork(static_cast<uint64_t>(t.output.ValidElements()), ops_per_element, exps_per_element);
    ComputeCost c;
    c.vector_ops = w.ops;
    c.exps = w.exps;
    c.vector_cycles = VectorCycles(w, t.vector_lanes);
    return c;
  };
}

absl::StatusOr<ComputeCost> ArrayTileCost(const ComputeTile& t, const Gemm& g, uint64_t count, bool sums_in_array) {
  // A tile wholly in padding has nothing to multiply: the array skips it.
  if (g.m == 0 || g.n == 0 || g.k == 0 || count == 0) return ComputeCost{};
  const ArrayMapping map = MapGemm(g, t.dataflow);
  KPU_ASSIGN_OR_RETURN(uint64_t folds, Folds(map, t.array));
  KPU_ASSIGN_OR_RETURN(folds, CheckedMul(folds, count));
  const bool starts_folds = !sums_in_array || t.dataflow != Dataflow::kOutputStationary || !t.compute.accumulate();
  ComputeCost c;
  c.folds = starts_folds ? folds : 0;
  KPU_ASSIGN_OR_RETURN(uint64_t streaming, CheckedMul(folds, map.t));
  KPU_ASSIGN_OR_RETURN(uint64_t overhead, CheckedMul(c.folds, FoldOverheadCycles(t.dataflow, t.array)));
  KPU_ASSIGN_OR_RETURN(c.array_cycles, CheckedAdd(streaming, overhead));
  KPU_ASSIGN_OR_RETURN(uint64_t mn, CheckedMul(g.m, g.n));
  KPU_ASSIGN_OR_RETURN(uint64_t mnk, CheckedMul(mn, g.k));
  KPU_ASSIGN_OR_RETURN(c.macs, CheckedMul(mnk, count));
  return c;
}

const ComputeCostTable& ComputeCosts() {
  static const ComputeCostTable* table = [] {
    auto* t = new ComputeCostTable;
    RegisterMatmulCosts(*t);
    RegisterElementwiseCosts(*t);
    RegisterSoftmaxCosts(*t);
    RegisterConvCosts(*t);
    RegisterShapeCosts(*t);
    RegisterReduceCosts(*t);
    RegisterPoolCosts(*t);
    RegisterResizeCosts(*t);
    RegisterConvTransposeCosts(*t);
    return t;
  }();
  return *table;
}

}  // namespace kpu::cost
