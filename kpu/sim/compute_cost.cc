#include "kpu/sim/compute_cost.h"

namespace kpu::sim {
namespace {

ComputeCost MatmulCost(const std::vector<Place>& in, const Place&, const ir::KPUConfig& config) {
  // Padding rows and columns of a ragged tile neither stream through the array nor count as MACs.
  const Shape a = in[0].ValidIndices().Extent();
  const Shape b = in[1].ValidIndices().Extent();
  const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  ComputeCost c;
  c.cycles = OutputStationaryCycles(m, n, k, config);
  c.macs = static_cast<uint64_t>(m * n * k);
  return c;
}

// `ops_per_element` vector-unit operations for every output element.
ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element) {
  return [=](const std::vector<Place>&, const Place& out, const ir::KPUConfig& config) {
    const uint64_t elements = static_cast<uint64_t>(out.ValidElements());
    ComputeCost c;
    c.vector_ops = elements * ops_per_element;
    c.exps = elements * exps_per_element;
    c.cycles = CeilDiv(c.vector_ops + c.exps, config.compute().vector_lanes());
    return c;
  };
}

}  // namespace

uint64_t OutputStationaryCycles(int64_t m, int64_t n, int64_t k, const ir::KPUConfig& config) {
  const uint64_t rows = config.compute().array_rows(), cols = config.compute().array_cols();
  return CeilDiv(m, rows) * CeilDiv(n, cols) * (k + rows + cols - 2);
}

const std::map<std::string, ComputeCostFn>& ComputeCosts() {
  static const auto* table = new std::map<std::string, ComputeCostFn>{
      {"matmul", MatmulCost},
      // linear is rewritten to matmul before lowering; were it tiled, it would cost the same.
      {"linear", MatmulCost},
      {"add", VectorCost(1, 0)},
      {"relu", VectorCost(1, 0)},
      // max, subtract, sum and divide per element, plus the exponential.
      {"softmax", VectorCost(4, 1)},
  };
  return *table;
}

}  // namespace kpu::sim
