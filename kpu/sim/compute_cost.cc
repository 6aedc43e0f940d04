#include "kpu/sim/compute_cost.h"

namespace kpu::sim {
namespace {

ComputeCost MatmulCost(const std::vector<Place>& in, const Place&, const ir::KPUConfig& config) {
  const Shape a = in[0].box.Extent();
  const Shape b = in[1].box.Extent();
  const int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  ComputeCost c;
  c.cycles = OutputStationaryCycles(m, n, k, config);
  c.macs = static_cast<uint64_t>(m * n * k);
  return c;
}

// `ops_per_element` vector-unit operations for every output element.
ComputeCostFn VectorCost(uint64_t ops_per_element, uint64_t exps_per_element) {
  return [=](const std::vector<Place>&, const Place& out, const ir::KPUConfig& config) {
    const uint64_t elements = static_cast<uint64_t>(out.box.NumElements());
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
      {"sub", VectorCost(1, 0)},
      {"mul", VectorCost(1, 0)},
      {"div", VectorCost(1, 0)},
      // 1 / (1 + exp(-x)): negate, add, divide, one exponential; silu multiplies once more.
      {"sigmoid", VectorCost(3, 1)},
      {"silu", VectorCost(4, 1)},
      // (e^2x - 1) / (e^2x + 1)
      {"tanh", VectorCost(4, 1)},
      // add 3, clamp to [0, 6] (max, min), scale by 1/6; hardswish multiplies by x.
      {"hardsigmoid", VectorCost(4, 0)},
      {"hardswish", VectorCost(5, 0)},
      // softmax's max, subtract, sum, then subtract the log of the sum.
      {"log_softmax", VectorCost(4, 1)},
  };
  return *table;
}

}  // namespace kpu::sim
