// Tile-size choice for each op, from the config's memory sizes and array shape.
#ifndef KPU_COMPILER_TILING_H_
#define KPU_COMPILER_TILING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"
#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {

// The on-chip levels a config has, from the one next to DRAM up to L1 (e.g. L3, L2, L1).
std::vector<ir::MemoryLevel> OnChipLevels(const ir::KPUConfig& config);
// Bytes each staging level (on-chip, below L1) may hold: the smallest of them.
uint64_t StagingCapacity(const ir::KPUConfig& config);
uint64_t L1Capacity(const ir::KPUConfig& config);

// Tiling of C[M, N] = A[M, K] x B[K, N] (one batch slice) for `dataflow`, as lower_matmul.cc emits
// it, costed by kpu/cost: array folds by the dataflow's fold model, the stationary operand's moves
// into the array (WS, IS), bytes and time on every memory link, and the prologue (resident
// operands and first tiles in) and epilogue (last tile out) that no double buffering hides. The
// choice minimizes time x energy. `b_batched`: B has batches of its own (bmm), so no B stays
// resident across the batches.
struct MatmulTiling {
  int64_t tm = 0, tn = 0, tk = 0;
  // A's row panel (tm x K) is loaded once per row of tiles into the staging levels and reused
  // across tj; B whole is loaded once and reused across ti. Otherwise tiles stream from DRAM.
  bool a_panel = false;
  bool b_resident = false;
  uint64_t l1_bytes = 0;       // with A and B tiles double-buffered
  uint64_t staging_bytes = 0;  // per staging level
  uint64_t estimated_cycles = 0;       // the candidate's cost, what the choice minimizes
  uint64_t estimated_dram_bytes = 0;
  double estimated_energy_pj = 0;     // MACs, bytes over every link, static power
};

absl::StatusOr<MatmulTiling> ChooseMatmulTiling(int64_t m, int64_t n, int64_t k, int64_t batch,
                                                size_t element_size, bool has_bias,
                                                const ir::KPUConfig& config,
                                                const std::string& op_name,
                                                cost::Dataflow dataflow = cost::Dataflow::kOutputStationary,
                                                ir::DataType dtype = ir::FLOAT32, bool b_batched = false);

// Box tiling for ops on the vector unit: a tile is `tile` elements per dimension. Dimensions
// listed in `whole` are never split (softmax's axis); the others shrink outermost first.
struct RowTiling {
  Shape tile;
  uint64_t l1_bytes = 0;
  uint64_t staging_bytes = 0;
};

// `buffers_l1` and `buffers_staging` count the tile-sized buffers each level holds at once.
absl::StatusOr<RowTiling> ChooseRowTiling(const Shape& shape, const std::vector<bool>& whole, size_t element_size,
                                          int buffers_l1, int buffers_staging,
                                          const ir::KPUConfig& config, const std::string& op_name);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_TILING_H_
