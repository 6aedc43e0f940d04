#include "kpu/cost/dataflow.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

#include "kpu/cost/link.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"

namespace kpu::cost {

Dataflow FromIr(ir::Dataflow d) {
  switch (d) {
    case ir::WEIGHT_STATIONARY: return Dataflow::kWeightStationary;
    case ir::INPUT_STATIONARY: return Dataflow::kInputStationary;
    default: return Dataflow::kOutputStationary;
  }
}

ir::Dataflow ToIr(Dataflow d) {
  switch (d) {
    case Dataflow::kWeightStationary: return ir::WEIGHT_STATIONARY;
    case Dataflow::kInputStationary: return ir::INPUT_STATIONARY;
    case Dataflow::kOutputStationary: break;
  }
  return ir::OUTPUT_STATIONARY;
}

absl::StatusOr<std::vector<DataflowCandidate>> RankDataflows(const Gemm& gemm, int64_t batch, size_t e,
                                                             const ir::KPUConfig& config) {
  KPU_RETURN_IF_ERROR(ValidateConfig(config));
  if (batch <= 0 || gemm.m <= 0 || gemm.n <= 0 || gemm.k <= 0) {
    return InvalidArgumentError(absl::StrCat("RankDataflows: sizes must be positive, got batch ", batch, ", M ", gemm.m,
                                             ", N ", gemm.n, ", K ", gemm.k));
  }
  const ArrayShape array{config.compute().array_rows(), config.compute().array_cols()};
  const uint64_t tiles = config.compute().compute_tiles();
  // Each operand crosses DRAM once and reaches L1 once: the same for every dataflow, so the
  // ranking is decided by the array; the figure still says when the link dominates.
  KPU_ASSIGN_OR_RETURN(uint64_t a, CheckedMul(gemm.m, gemm.k));
  KPU_ASSIGN_OR_RETURN(uint64_t c, CheckedMul(gemm.m, gemm.n));
  KPU_ASSIGN_OR_RETURN(a, CheckedMul(a, batch));
  KPU_ASSIGN_OR_RETURN(c, CheckedMul(c, batch));
  KPU_ASSIGN_OR_RETURN(uint64_t b, CheckedMul(gemm.k, gemm.n));
  KPU_ASSIGN_OR_RETURN(uint64_t elements, CheckedAdd(a, b));
  KPU_ASSIGN_OR_RETURN(elements, CheckedAdd(elements, c));
  KPU_ASSIGN_OR_RETURN(uint64_t bytes, CheckedMul(elements, e));
  uint64_t link = 0;
  for (const ir::MemoryLevelConfig& level : config.memory()) {
    link = std::max(link, LinkCycles(bytes, LevelBytesPerCycle(config, level)));
  }
  std::vector<DataflowCandidate> out;
  for (Dataflow d : {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
    DataflowCandidate cand;
    cand.dataflow = d;
    KPU_ASSIGN_OR_RETURN(cand.folds, Folds(MapGemm(gemm, d), array));
    KPU_ASSIGN_OR_RETURN(uint64_t one, GemmComputeCycles(gemm, d, array));
    KPU_ASSIGN_OR_RETURN(cand.array_cycles, CheckedMul(one, batch));
    // Folds are independent: they spread over the compute tiles.
    KPU_ASSIGN_OR_RETURN(uint64_t all_folds, CheckedMul(cand.folds, batch));
    const uint64_t parallel = std::max<uint64_t>(1, std::min<uint64_t>(tiles, all_folds));
    cand.compute_cycles = cand.array_cycles / parallel + (cand.array_cycles % parallel != 0);
    cand.link_cycles = link;
    cand.total_cycles = std::max(cand.compute_cycles, link);
    out.push_back(cand);
  }
  std::stable_sort(out.begin(), out.end(), [](const DataflowCandidate& x, const DataflowCandidate& y) {
    return x.total_cycles != y.total_cycles ? x.total_cycles < y.total_cycles : x.compute_cycles < y.compute_cycles;
  });
  return out;
}

}  // namespace kpu::cost
