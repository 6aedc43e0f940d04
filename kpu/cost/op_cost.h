// The estimate of one program op: walks its DFX, costs every Compute by its op family's row and
// every DataMove by the link it crosses, and combines them assuming double-buffered overlap:
//   total = max(busiest link, prologue + compute + epilogue)
// where the prologue is the moves before the first Compute (the first tiles in before the first
// MAC) and the epilogue the moves after the last one (the last tile out). The compiler's
// estimates in the program and the analytical timing mode both come from here (decision 10).
#ifndef KPU_COST_OP_COST_H_
#define KPU_COST_OP_COST_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "kpu/cost/energy.h"
#include "kpu/cost/settings.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/program.pb.h"

namespace kpu::cost {

// What the estimate needs to know of every tensor an op names.
struct ProgramTensors {
  ShapeTable shapes;
  std::map<std::string, ir::DataType> dtypes;
};

ProgramTensors TensorsOf(const ir::TensorTable& table);

struct OpCost {
  uint64_t total_cycles = 0;
  uint64_t compute_cycles = 0;  // array (spread over the compute tiles) + vector unit
  uint64_t stall_cycles = 0;    // total - compute: waiting on memory
  uint64_t prologue_cycles = 0;
  uint64_t epilogue_cycles = 0;
  uint64_t array_cycles = 0;   // on one array, before spreading over compute tiles
  uint64_t vector_cycles = 0;
  uint64_t folds = 0;
  uint64_t output_tiles = 0;   // matmul tiles that start an accumulation
  uint64_t macs = 0;
  // Bytes and cycles per link, indexed by the link's level nearer DRAM (ir::MemoryLevel).
  std::array<uint64_t, 5> link_bytes{};
  std::array<uint64_t, 5> link_cycles{};
  Activity activity;
  Energy energy;
  // Fills and serves of the scratchpads, for the metrics' hit/miss counters.
  uint64_t l1_fills = 0, l2_fills = 0, l2_serves = 0, l1_operand_reads = 0;

  uint64_t dram_bytes() const { return link_bytes[ir::EXTERNAL]; }
};

// The op's dataflow: its tiling's, output stationary when unspecified.
Dataflow DataflowOf(const ir::KPUOp& op);

absl::StatusOr<OpCost> EstimateOp(const ir::KPUOp& op, const ProgramTensors& tensors, const ir::KPUConfig& config,
                                  const CostSettings& settings = CostSettings::Native());

// Combines the parts as the header comment says.
uint64_t OverlappedCycles(uint64_t compute, uint64_t prologue, uint64_t epilogue, uint64_t busiest_link);

}  // namespace kpu::cost

#endif  // KPU_COST_OP_COST_H_
