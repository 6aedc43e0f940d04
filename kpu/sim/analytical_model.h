// The analytical timing and energy model (FUNCTIONAL / BEHAVIORAL mode): sums kpu/cost's estimate
// of every op (cost::EstimateOp: compute per tile, bytes per memory link, double-buffered overlap
// with prologue and epilogue) into the program's metrics.
#ifndef KPU_SIM_ANALYTICAL_MODEL_H_
#define KPU_SIM_ANALYTICAL_MODEL_H_

#include "absl/status/statusor.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/metrics.pb.h"
#include "kpu/ir/program.pb.h"

namespace kpu::sim {

absl::StatusOr<ir::KPUPerformanceMetrics> EstimateProgram(const ir::KPUProgram& program,
                                                          const ir::KPUConfig& config);

}  // namespace kpu::sim

#endif  // KPU_SIM_ANALYTICAL_MODEL_H_
