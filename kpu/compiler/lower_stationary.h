// What weight- and input-stationary lowerings of matmul and conv2d share: the fold nest inside
// one (output tile, K tile) step, and the fold itself. In a fold the stationary operand's part
// (at most R x C elements: a weight part of <= R K-rows x <= C filters for WS, an input part of
// <= R K-rows x <= C output rows or pixels for IS) moves from L1 into the array (REGISTER), the
// other operand streams through from L1, and the partial sums leave the array into the output
// tile in L1, where later folds add to them. The output-stationary lowerings accumulate in
// REGISTER instead and do not use this.
#ifndef KPU_COMPILER_LOWER_STATIONARY_H_
#define KPU_COMPILER_LOWER_STATIONARY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kpu/compiler/dfx_builder.h"

namespace kpu::compiler {

struct FoldLoop {
  std::string var;
  int64_t trips = 1;
  // Whether the loop runs over K: only its first iteration (of the first K tile) starts the
  // accumulation; the others add to it. Loops over output columns or rows start their own.
  bool over_k = false;
};

using FoldIndex = std::map<std::string, TileIndex>;

// Emits `loops` nested in order inside `into` and calls `body` once per distinct position kind:
// the iteration where every K loop is at 0 (when `first`, the caller's K tile is the first one)
// is peeled off so that it can overwrite the partial sums, the rest add to them. A loop of one
// trip is not emitted (its index is Const(0)). Returns the last op id `body` returned.
uint64_t EmitFoldNest(DfxBuilder& bld, DfxList* into, const std::vector<FoldLoop>& loops, bool first,
                      const std::function<uint64_t(DfxList*, const FoldIndex&, bool first)>& body);

// `spec` narrowed along dimension `dim` to part `index` of extent `part`: origin += step * index,
// where step is `part` unless given (a conv window's kernel parts overlap).
RegionSpec Narrowed(RegionSpec spec, int dim, const TileIndex& index, int64_t part, int64_t step = 0);

// One fold: moves `inputs[stationary]` (a part of an L1 tile, in its L1 slot) into REGISTER and
// computes `function` on the inputs (that one from REGISTER, the others from L1) into
// `partial_sums`, a part of the output tile in L1, overwriting it when `first`, else adding to it.
uint64_t EmitStationaryFold(DfxBuilder& bld, DfxList* into, ir::Compute::Type type, const std::string& function,
                            const std::vector<RegionSpec>& inputs, size_t stationary, RegionSpec partial_sums,
                            bool first, std::vector<uint64_t> after, ir::Dataflow dataflow,
                            const google::protobuf::Map<std::string, ir::Attribute>* attributes = nullptr);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_LOWER_STATIONARY_H_
