// Shared pieces of the box-tiled vector lowerings (data layout, reductions, batch_norm): loops
// over the tiles of a shape, aligned and shifted regions, and the load-compute-store of one tile.
#ifndef KPU_COMPILER_LOWER_TILES_H_
#define KPU_COMPILER_LOWER_TILES_H_

#include <string>
#include <vector>

#include "kpu/compiler/dfx_builder.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {

// The innermost body of loops over every dimension `tile` splits, and each dimension's tile
// origin there (tile * var, or 0 for a dimension held whole).
struct TileNest {
  DfxList* body = nullptr;
  std::vector<ir::AffineExpr> origin;
};

// Loop variables are `prefix` + dimension, so sibling nests in one op (concat's parts) differ.
TileNest OpenTileLoops(DfxBuilder& bld, DfxList* root, const Shape& shape, const Shape& tile,
                       const std::string& prefix);

// scale * e + shift.
ir::AffineExpr ScaleShift(const ir::AffineExpr& e, int64_t scale, int64_t shift);

// The box of `tile` elements at `origin` of `tensor`.
RegionSpec BoxRegion(const std::string& tensor, const std::vector<ir::AffineExpr>& origin, const Shape& tile);

// Loads each input from DRAM to L1, runs `function` on the tiles into the output tile in L1 and
// stores it back, releasing it from L1. The loads wait for `after` (an earlier stream's last
// store, so that streams writing different output tensors never hold their tiles in L1 at
// once). Returns the last store hop.
uint64_t EmitCopyTile(DfxBuilder& bld, DfxList* body, const std::vector<RegionSpec>& inputs, const RegionSpec& output,
                      ir::Compute::Type type, const std::string& function,
                      const google::protobuf::Map<std::string, ir::Attribute>& attributes, int64_t axis = 0,
                      const std::vector<uint64_t>& after = {});

// Barrier at the end, tile sizes of the op and its SRAM footprint.
void FinishTiledOp(const ir::Node& node, ir::KPUOp* op, const RowTiling& tiling, DfxBuilder& bld);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_LOWER_TILES_H_
