// Tiles of the window ops along one spatial dimension: bands of output indices and the input
// window each band reads, as one affine region per loop (ARCHITECTURE.md decision 8).
#ifndef KPU_COMPILER_WINDOW_BANDS_H_
#define KPU_COMPILER_WINDOW_BANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/compiler/lowering.h"

namespace kpu::compiler {

// `trips` bands of `size` output indices from `out_start` (band b holds [out_start + size * b,
// + size)); band b reads the input indices [in_step * b + in_offset, + in_extent). The same extent
// for every band is what lets one loop describe them all.
struct AxisTiles {
  int64_t out_start = 0, size = 1, trips = 1;
  int64_t in_step = 0, in_offset = 0, in_extent = 1;
};

// The first and last input index output index `o` reads.
using ReadsFn = std::function<std::pair<int64_t, int64_t>(int64_t o)>;

// Output indices [0, out) in bands of `size` (the last may be ragged) whose input windows cover
// what every band reads. A band's first read index need not be affine in the band (a resize's
// src = floor(dst * in / out) is not), so the window is the tightest affine cover: the step is the
// average advance between the first and the last band's reads (exactly the advance when
// size * in / out is an integer), the offset and extent cover every band's reads around it. For
// incommensurate sizes the windows are a few indices wider than any one band needs; every read is
// still inside, which is what the tile kernels check.
AxisTiles BandTiles(int64_t out, int64_t size, const ReadsFn& reads);

// A large size in [1, limit] with fits(size), or 0 when not even 1 fits. `fits` need not be
// monotonic (a cover's extent can grow when a smaller band changes the average advance): the
// search bisects as if it were, so the size it returns fits, though a larger one may too.
int64_t LargestFitting(int64_t limit, const std::function<bool(int64_t)>& fits);

// The region dimension of a band's input window (the halo: what it shares with the next band's).
ir::RegionDim WindowDim(const AxisTiles& tiles, const std::string& var);

// Window ops take NCHW inputs; the error names the node.
absl::Status NeedNchw(const ir::Node& node, const Shape& x);

// One piece of a window op on the vector unit: its row and column bands and the attributes its
// tile Compute runs with (the op's, with the tile's output_size or divisor).
struct WindowPiece {
  AxisTiles rows, cols;
  google::protobuf::Map<std::string, ir::Attribute> attributes;
};

// Emits each piece as loops over images, tiles of `channels` channels, row bands and column bands:
// load the input window (elements outside the input read as `padding`), compute `function` of
// `type`, store the output tile. Pieces write disjoint outputs; one barrier ends the op.
void EmitWindowPieces(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, ir::Compute::Type type,
                      int64_t channels, const std::vector<WindowPiece>& pieces, ir::TensorRegion::Padding padding);

// Tiles of a window op whose rows and columns read what `rows` and `cols` say (a resize's source
// indices, an adaptive pool's bins), for a Compute that computes the whole op's values at the
// tile's position (the kernels take positions, kernels.h): whole planes of as many channels as L1
// holds, else one channel in bands of rows, else single rows in bands of columns. Records the
// tiling in `op`, sets *channels and returns the piece, its attributes the node's with the tile's
// output_size; or says which node's smallest tile does not fit L1 and how large it is.
absl::StatusOr<WindowPiece> ChooseBandPiece(const ir::Node& node, LoweringContext& ctx, const ReadsFn& rows,
                                            const ReadsFn& cols, ir::KPUOp* op, int64_t* channels);

// The message part naming a window op's smallest tile: "smallest tile of <op> '<name>' (...)".
std::string SmallestTileWhere(const ir::Node& node, const LoweringContext& ctx, const std::string& tile);

// Records the tile sizes the op's pieces are cut to and its L1 footprint.
void RecordWindowTiling(ir::KPUOp* op, int64_t channels, int64_t rows, int64_t cols, uint64_t l1_bytes);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_WINDOW_BANDS_H_
