// The program's dataflow names (ir::Dataflow) and the cost model's, and the choice between them:
// the cost of every candidate for one GEMM, so the compiler can pick under AUTO and record why.
#ifndef KPU_COST_DATAFLOW_H_
#define KPU_COST_DATAFLOW_H_

#include <vector>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"
#include "kpu/ir/config.pb.h"

namespace kpu::cost {

// DATAFLOW_UNSPECIFIED (auto) reads as output stationary, the array's native dataflow.
Dataflow FromIr(ir::Dataflow dataflow);
ir::Dataflow ToIr(Dataflow dataflow);

struct DataflowCandidate {
  Dataflow dataflow = Dataflow::kOutputStationary;
  uint64_t folds = 0;           // per GEMM in the batch
  uint64_t array_cycles = 0;    // all folds of all batch GEMMs, on one array
  uint64_t compute_cycles = 0;  // spread over the config's compute tiles
  uint64_t link_cycles = 0;     // the busiest link carrying each operand once
  uint64_t total_cycles = 0;    // max(compute, link): the figure the candidates are ranked by
};

// OS, WS and IS for `batch` GEMMs of `gemm` with `element_bytes`-byte operands, cheapest first
// (ties keep the order OS, WS, IS).
absl::StatusOr<std::vector<DataflowCandidate>> RankDataflows(const Gemm& gemm, int64_t batch, size_t element_bytes,
                                                             const ir::KPUConfig& config);

}  // namespace kpu::cost

#endif  // KPU_COST_DATAFLOW_H_
