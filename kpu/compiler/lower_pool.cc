// Pooling on NCHW planes: max_pool2d, avg_pool2d and the adaptive pools, as tiles of channels x
// output rows x output columns on the vector unit (resizes: lower_resize.cc; conv_transpose2d:
// lower_conv_transpose.cc).
//
// * max_pool2d, avg_pool2d: each tile reads its input window directly: origin = out_origin *
//   stride - pad, extent = (t - 1) * stride + (k - 1) * dilation + 1, the halo past t * stride.
//   Elements outside the input read as the region's padding (-inf for max, 0 for avg), so the
//   tile kernel runs with padding 0 and ceil_mode 0 and its output is exactly the tile. Max
//   pooling never counts padding, and PyTorch's ceil_mode only adds a last window that starts
//   inside the input (or its left padding), so it always holds a real element. Avg pooling's
//   divisor is the product of a row factor and a column factor (ops::AvgPoolWindowAt); border
//   windows have smaller factors (count_include_pad=0 with padding, ceil_mode windows past the
//   padding). The output rows split into runs of equal row factor (a few border rows, then one run
//   of the interior), the columns alike, and each run x run piece is its own loop of tiles whose
//   kernel divides by that piece's divisor as divisor_override: the tile sums its window in the
//   whole op's order (the zeros of the padding add nothing) and divides once, as the whole op does.
// * Adaptive pools: bins overlap and differ in size, and a bin's start floor(o * in / out) is not
//   affine in a tile index. A tile holds channels x rows x columns of outputs and reads the input
//   window covering their bins (window_bands.h); its kernel computes the whole op's bins at the
//   tile's position (kernels/pool.cc).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/compiler/window_bands.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/pool.h"

namespace kpu::compiler {
namespace {

// Output indices [start, end) of one spatial dimension with the same divisor factor.
struct Run {
  int64_t start, end, factor;
};

// Runs of equal avg-pool divisor factor along dimension d (one run, factor 0, when the divisor is
// not a product of factors: max pooling, or divisor_override set).
std::vector<Run> DivisorRuns(const ops::Pool2dAttrs& a, bool factored, int64_t in, int64_t out, int d) {
  if (!factored) return {{0, out, 0}};
  std::vector<Run> runs;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t f = ops::AvgPoolWindowAt(a, in, o, d).divisor;
    if (runs.empty() || runs.back().factor != f) {
      runs.push_back({o, o + 1, f});
    } else {
      runs.back().end = o + 1;
    }
  }
  return runs;
}

// Tiles of at most `size` outputs over each run, reading their windows. A run followed by another
// gets only whole tiles and one shorter tile for its rest, so no tile writes into the next run; the
// last run's last tile may be ragged past the output (those elements are never stored).
std::vector<std::pair<AxisTiles, int64_t>> RunTiles(const std::vector<Run>& runs, int64_t size, int64_t stride,
                                                    int64_t pad, int64_t span_of_one) {
  std::vector<std::pair<AxisTiles, int64_t>> tiles;
  auto add = [&](int64_t start, int64_t t, int64_t trips, int64_t factor) {
    AxisTiles a;
    a.out_start = start;
    a.size = t;
    a.trips = trips;
    a.in_step = t * stride;
    a.in_offset = start * stride - pad;
    a.in_extent = (t - 1) * stride + span_of_one;
    tiles.push_back({a, factor});
  };
  for (size_t i = 0; i < runs.size(); ++i) {
    const Run& r = runs[i];
    const int64_t length = r.end - r.start, t = std::min(size, length);
    if (i + 1 == runs.size()) {
      add(r.start, t, CeilDiv(length, t), r.factor);
      continue;
    }
    add(r.start, t, length / t, r.factor);
    if (length % t != 0) add(r.start + length / t * t, length % t, 1, r.factor);
  }
  return tiles;
}

}  // namespace

absl::Status LowerPool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedNchw(node, x));
  KPU_ASSIGN_OR_RETURN(ops::Pool2dAttrs a, ops::Pool2dAttrsOf(node.attributes()));
  const bool is_max = node.op_type() == "max_pool2d";
  const size_t e = DTypeSize(ctx.types.at(node.inputs(0)).dtype);
  const uint64_t cap = L1Capacity(ctx.config);
  auto span = [&](int d) { return (a.kernel[d] - 1) * a.dilation[d] + 1; };
  auto window = [&](int64_t t, int d) { return (t - 1) * a.stride[d] + span(d); };
  auto bytes = [&](int64_t tc, int64_t toh, int64_t tow) {
    return static_cast<uint64_t>(e) * tc * (window(toh, 0) * window(tow, 1) + toh * tow);
  };
  auto fits = [&](int64_t tc, int64_t toh, int64_t tow) { return bytes(tc, toh, tow) <= cap; };
  // Whole planes if they fit; else fewer channels, then fewer rows, then fewer columns.
  int64_t tow = y[3], toh = y[2];
  int64_t tc = LargestFitting(x[1], [&](int64_t c) { return fits(c, toh, tow); });
  if (tc == 0) {
    tc = 1;
    toh = LargestFitting(y[2], [&](int64_t r) { return fits(1, r, tow); });
    if (toh == 0) {
      toh = 1;
      tow = LargestFitting(y[3], [&](int64_t c) { return fits(1, 1, c); });
      if (tow == 0) {
        return MemoryExceededError("SRAM", bytes(1, 1, 1), cap,
                                   SmallestTileWhere(node, ctx, absl::StrCat("1 channel x 1 output, reading a ",
                                                                             window(1, 0), "x", window(1, 1), " window")));
      }
    }
  }
  RecordWindowTiling(op, tc, toh, tow, bytes(tc, toh, tow));

  // The window carries the padding and the ceil_mode border; the kernel sees plain full windows.
  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  attrs["padding"].mutable_ints()->clear_values();
  for (int i = 0; i < 2; ++i) attrs["padding"].mutable_ints()->add_values(0);
  attrs["ceil_mode"].set_i(0);
  const bool factored = !is_max && a.divisor_override == 0;
  const auto row_tiles = RunTiles(DivisorRuns(a, factored, x[2], y[2], 0), toh, a.stride[0], a.padding[0], span(0));
  const auto col_tiles = RunTiles(DivisorRuns(a, factored, x[3], y[3], 1), tow, a.stride[1], a.padding[1], span(1));
  std::vector<WindowPiece> pieces;
  for (const auto& [rows, row_factor] : row_tiles) {
    for (const auto& [cols, col_factor] : col_tiles) {
      WindowPiece p{rows, cols, attrs};
      if (factored) p.attributes["divisor_override"].set_i(row_factor * col_factor);
      pieces.push_back(std::move(p));
    }
  }
  EmitWindowPieces(node, ctx, op, ir::Compute::REDUCTION, tc, pieces,
                   is_max ? ir::TensorRegion::PAD_NEG_INF : ir::TensorRegion::PAD_ZERO);
  return absl::OkStatus();
}

absl::Status LowerAdaptivePool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedNchw(node, x));
  auto bins = [&](int d) -> ReadsFn {
    const int64_t in = x[2 + d], out = y[2 + d];
    return [in, out](int64_t o) {
      return std::make_pair(ops::AdaptiveStart(o, in, out), ops::AdaptiveEnd(o, in, out) - 1);
    };
  };
  int64_t channels = 0;
  KPU_ASSIGN_OR_RETURN(const WindowPiece piece, ChooseBandPiece(node, ctx, bins(0), bins(1), op, &channels));
  EmitWindowPieces(node, ctx, op, ir::Compute::REDUCTION, channels, {piece}, ir::TensorRegion::PAD_ZERO);
  return absl::OkStatus();
}

}  // namespace kpu::compiler
