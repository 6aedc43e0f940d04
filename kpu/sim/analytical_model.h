// The analytical timing and energy model (FUNCTIONAL / BEHAVIORAL mode): walks each op's DFX,
// counts compute per tile and bytes per memory link, and assumes double-buffered overlap, so an
// op takes as long as its busiest resource; the rest of its time is memory stall.
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
