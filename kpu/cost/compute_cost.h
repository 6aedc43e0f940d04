// Cost of one DFX Compute, per registry op (decision 1: every op has one), keyed by the
// Compute's `function`. The rows live per op family in kpu/cost/ops/ (matmul.cc, elementwise.cc,
// softmax.cc): to cost a new op, add one row to its family's file.
#ifndef KPU_COST_COMPUTE_COST_H_
#define KPU_COST_COMPUTE_COST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/program.pb.h"

namespace kpu::cost {

// One Compute resolved for the current loop iteration, with what the fabric looks like.
struct ComputeTile {
  const ir::Compute& compute;
  const std::vector<Place>& inputs;
  const Place& output;
  ir::DataType dtype;  // of the first input: what the MACs cost
  Dataflow dataflow;
  ArrayShape array;
  uint32_t vector_lanes;
};

struct ComputeCost {
  uint64_t array_cycles = 0;   // on the systolic array
  uint64_t vector_cycles = 0;  // on the vector unit
  uint64_t folds = 0;          // array folds this tile starts
  uint64_t macs = 0;
  uint64_t vector_ops = 0;  // adds, maxes, compares on the vector unit
  uint64_t exps = 0;        // exponentials on the vector unit
};

using ComputeCostFn = std::function<absl::StatusOr<ComputeCost>(const ComputeTile& tile)>;
using ComputeCostTable = std::map<std::string, ComputeCostFn>;

// Every op's row, from the family files.
const ComputeCostTable& ComputeCosts();

}  // namespace kpu::cost

#endif  // KPU_COST_COMPUTE_COST_H_
