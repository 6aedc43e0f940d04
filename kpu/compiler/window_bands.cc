#include "kpu/compiler/window_bands.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {

AxisTiles BandTiles(int64_t out, int64_t size, const ReadsFn& reads) {
  AxisTiles t;
  t.size = std::max<int64_t>(1, std::min(size, out));
  t.trips = (out + t.size - 1) / t.size;
  std::vector<int64_t> lo(t.trips, std::numeric_limits<int64_t>::max()), hi(t.trips, std::numeric_limits<int64_t>::min());
  for (int64_t o = 0; o < out; ++o) {
    const auto [first, last] = reads(o);
    const int64_t b = o / t.size;
    lo[b] = std::min(lo[b], first);
    hi[b] = std::max(hi[b], last);
  }
  auto cover = [&](int64_t step, AxisTiles* c) {
    int64_t offset = std::numeric_limits<int64_t>::max(), end = std::numeric_limits<int64_t>::min();
    for (int64_t b = 0; b < c->trips; ++b) {
      offset = std::min(offset, lo[b] - step * b);
      end = std::max(end, hi[b] - step * b);
    }
    c->in_step = step;
    c->in_offset = offset;
    c->in_extent = end - offset + 1;
  };
  if (t.trips == 1) {
    cover(0, &t);
    return t;
  }
  const int64_t advance = lo[t.trips - 1] - lo[0];
  const int64_t down = advance >= 0 ? advance / (t.trips - 1) : -((-advance + t.trips - 2) / (t.trips - 1));
  AxisTiles best = t;
  cover(down, &best);
  AxisTiles up = t;
  cover(down + 1, &up);
  return up.in_extent < best.in_extent ? up : best;
}

int64_t LargestFitting(int64_t limit, const std::function<bool(int64_t)>& fits) {
  int64_t lo = 0, hi = limit;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (fits(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

ir::RegionDim WindowDim(const AxisTiles& t, const std::string& var) {
  const int64_t halo = t.trips > 1 ? std::max<int64_t>(0, t.in_extent - t.in_step) : 0;
  return Dim(Affine(t.in_offset, {{var, t.in_step}}), t.in_extent, 1, 0, std::min(halo, t.in_extent));
}

void EmitWindowPieces(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, ir::Compute::Type type,
                      int64_t channels, const std::vector<WindowPiece>& pieces, ir::TensorRegion::Padding padding) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  for (const WindowPiece& piece : pieces) {
    DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
    body = bld.Loop(body, "tc", CeilDiv(x[1], channels));
    body = bld.Loop(body, "th", piece.rows.trips);
    body = bld.Loop(body, "tw", piece.cols.trips);
    RegionSpec in{node.inputs(0)};
    in.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", channels}}), channels),
               WindowDim(piece.rows, "th"), WindowDim(piece.cols, "tw")};
    in.padding = padding;
    RegionSpec out{node.outputs(0)};
    out.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", channels}}), channels),
                Dim(Affine(piece.rows.out_start, {{"th", piece.rows.size}}), piece.rows.size),
                Dim(Affine(piece.cols.out_start, {{"tw", piece.cols.size}}), piece.cols.size)};
    const uint64_t load = bld.Move(body, in, ir::EXTERNAL, l1, {});
    const uint64_t c = bld.Compute(body, type, node.op_type(), {in.At(l1)}, out.At(l1), false, 0, {load},
                                   &piece.attributes);
    bld.Move(body, out, l1, ir::EXTERNAL, {c});
  }
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
}

absl::Status NeedNchw(const ir::Node& node, const Shape& x) {
  if (x.size() == 4) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat(node.op_type(), " '", node.name(), "': input must be NCHW (rank 4), got ",
                                           FormatShape(x)));
}

std::string SmallestTileWhere(const ir::Node& node, const LoweringContext& ctx, const std::string& tile) {
  return absl::StrCat("L1, smallest tile of ", node.op_type(), " '", node.name(), "' (", tile, "; input ",
                      FormatShape(ctx.types.at(node.inputs(0)).shape), ", output ",
                      FormatShape(ctx.types.at(node.outputs(0)).shape), ")");
}

absl::StatusOr<WindowPiece> ChooseBandPiece(const ir::Node& node, LoweringContext& ctx, const ReadsFn& rows,
                                            const ReadsFn& cols, ir::KPUOp* op, int64_t* channels) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const uint64_t e = DTypeSize(ctx.types.at(node.inputs(0)).dtype);
  const uint64_t cap = L1Capacity(ctx.config);
  auto bytes = [&](int64_t c, const AxisTiles& r, const AxisTiles& q) {
    return e * static_cast<uint64_t>(c) *
           (static_cast<uint64_t>(r.in_extent) * q.in_extent + static_cast<uint64_t>(r.size) * q.size);
  };
  WindowPiece p;
  p.rows = BandTiles(y[2], y[2], rows);
  p.cols = BandTiles(y[3], y[3], cols);
  *channels = LargestFitting(x[1], [&](int64_t c) { return bytes(c, p.rows, p.cols) <= cap; });
  if (*channels == 0) {
    *channels = 1;
    const int64_t th = LargestFitting(y[2], [&](int64_t t) { return bytes(1, BandTiles(y[2], t, rows), p.cols) <= cap; });
    p.rows = BandTiles(y[2], std::max<int64_t>(th, 1), rows);
    if (th == 0) {
      const int64_t tw = LargestFitting(y[3], [&](int64_t t) { return bytes(1, p.rows, BandTiles(y[3], t, cols)) <= cap; });
      if (tw == 0) {
        const AxisTiles one = BandTiles(y[3], 1, cols);
        return MemoryExceededError(
            "SRAM", bytes(1, p.rows, one), cap,
            SmallestTileWhere(node, ctx, absl::StrCat("1 channel x 1 output row x 1 column, reading an input window of ",
                                                      p.rows.in_extent, "x", one.in_extent)));
      }
      p.cols = BandTiles(y[3], tw, cols);
    }
  }
  RecordWindowTiling(op, *channels, p.rows.size, p.cols.size, bytes(*channels, p.rows, p.cols));
  p.attributes = node.attributes();
  ir::IntList* size = p.attributes["output_size"].mutable_ints();
  size->clear_values();
  size->add_values(p.rows.size);
  size->add_values(p.cols.size);
  return p;
}

void RecordWindowTiling(ir::KPUOp* op, int64_t channels, int64_t rows, int64_t cols, uint64_t l1_bytes) {
  ir::TileConfig* cfg = op->mutable_tiling();
  (*cfg->mutable_tile_sizes())["C"] = channels;
  (*cfg->mutable_tile_sizes())["OH"] = rows;
  (*cfg->mutable_tile_sizes())["OW"] = cols;
  for (const char* l : {"N", "C", "OH", "OW"}) cfg->add_loop_order(l);
  op->set_l1_bytes(l1_bytes);
}

}  // namespace kpu::compiler
