// conv_transpose2d as CONV2D_TILE computes on the array, tiled like conv2d: tiles of output
// channels (whole groups when a group is small, else output-channel tiles within one group), bands
// of output rows and columns, and input-channel (K) tiles whose partial sums add up in the output
// tile in L1 (each tile's GEMM is scattered into it by col2im, kernels/conv_transpose.cc).
//
// The input window of an output band. Input row iy feeds output rows iy * s - p + ky * d. A band of
// t output rows from o0 = b * t, with t a multiple of s, is fed by input rows from
// b * t / s + c0 on, c0 = ceil((p - (k - 1) d) / s): the window's origin is affine in the band,
// and so is everything else: in the window's coordinates the band's output rows are
// j * s - p' + ky * d with p' = p - c0 * s, the same for every band. So each band is a standard
// transposed convolution of its window, with padding p' and the output_padding that makes its
// output exactly t rows ((E - 1) * s - 2 p' + d (k - 1) + op' + 1 = t). No phase split is needed:
// the scatter form never multiplies the zeros a strided transposed convolution inserts. When the
// registry's rules (p' >= 0, 0 <= op' < s) need it, the window starts a row earlier or ends a row
// later; an extra row only adds terms that land outside the band (or reads zero padding), never a
// wrong term, since every input row's contribution to a band's output is a real term of its sum.
// Rows past the input read as zeros and cost nothing (kpu/cost counts valid elements).
//
// The tiling is chosen by kpu/cost's primitives (array cycles of each tile's GEMM, DRAM link
// cycles of the bytes it moves, MAC and DRAM energy): output tiles large enough that the input is
// not re-read for every few output channels, bands large enough that the halo rows are few.
#include <algorithm>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/compiler/window_bands.h"
#include "kpu/cost/array.h"
#include "kpu/cost/energy.h"
#include "kpu/cost/link.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/conv.h"

namespace kpu::compiler {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// One spatial dimension: bands of output indices, the window each reads, and the padding and
// output_padding of the band's own transposed convolution.
struct TransposeAxis {
  AxisTiles tiles;
  int64_t padding = 0, output_padding = 0;
};

// Bands of `size` outputs (all `out` of them, or a multiple of s).
TransposeAxis TransposeAxisOf(int64_t out, int64_t size, int64_t k, int64_t s, int64_t p, int64_t d) {
  TransposeAxis a;
  AxisTiles& t = a.tiles;
  t.size = size;
  t.trips = CeilDiv(out, size);
  t.in_step = t.trips > 1 ? size / s : 0;
  // The first row that feeds a band, and never after the one that keeps p' >= 0.
  int64_t c0 = std::min(-FloorDiv((k - 1) * d - p, s), FloorDiv(p, s));
  int64_t crop = p - c0 * s;
  // The window must reach the last row feeding the band, (size - 1 + p') / s, and the registry's
  // output size formula must give `size` with 0 <= op' < s: start earlier until both hold.
  while (size - d * (k - 1) - 1 + 2 * crop < FloorDiv(size - 1 + crop, s) * s) {
    --c0;
    crop += s;
  }
  const int64_t r = size - d * (k - 1) - 1 + 2 * crop;
  t.in_offset = c0;
  t.in_extent = r / s + 1;
  a.padding = crop;
  a.output_padding = r % s;
  return a;
}

// Input indices of all bands' windows that lie inside the input.
int64_t ValidSpan(const AxisTiles& t, int64_t in) {
  int64_t total = 0;
  for (int64_t b = 0; b < t.trips; ++b) {
    const int64_t lo = std::max<int64_t>(0, t.in_offset + t.in_step * b);
    const int64_t hi = std::min(in, t.in_offset + t.in_step * b + t.in_extent);
    total += std::max<int64_t>(0, hi - lo);
  }
  return total;
}

// Distinct ceil(n / i) for i = 1..n, largest first: every tile size that gives a different count.
std::vector<int64_t> Shrinks(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= n; ++i) {
    const int64_t c = CeilDiv(n, i);
    if (v.empty() || v.back() != c) v.push_back(c);
  }
  return v;
}

std::vector<int64_t> Divisors(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = n; i >= 1; --i) {
    if (n % i == 0) v.push_back(i);
  }
  return v;
}

// Band sizes of one dimension: the whole output, or multiples of the stride.
std::vector<int64_t> BandSizes(int64_t out, int64_t s) {
  std::vector<int64_t> v = {out};
  for (int64_t m : Shrinks(CeilDiv(out, s))) {
    if (m * s < out) v.push_back(m * s);
  }
  return v;
}

struct Tiling {
  int64_t g = 1;            // whole groups per tile
  int64_t group_tiles = 1;  // tiles over the groups
  int64_t toc = 1;          // output channels per tile (g x OC/groups with whole groups)
  int64_t oc_tiles = 1;     // tiles over one group's output channels
  int64_t tc = 1;           // input channels per K tile, per group
  int64_t k_tiles = 1;
  TransposeAxis rows, cols;
  uint64_t l1_bytes = 0;
};

}  // namespace

absl::Status LowerConvTranspose2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& xt = ctx.types.at(node.inputs(0));
  const Shape& x = xt.shape;
  const Shape& w = ctx.types.at(node.inputs(1)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedNchw(node, x));
  KPU_ASSIGN_OR_RETURN(ops::ConvTranspose2dAttrs a, ops::ConvTranspose2dAttrsOf(node.attributes()));
  const bool has_bias = node.inputs_size() >= 3;
  const int64_t groups = a.groups, cg = x[1] / groups, ocg = w[1], kh = w[2], kw = w[3];
  const uint64_t e = DTypeSize(xt.dtype);
  const uint64_t cap = L1Capacity(ctx.config);
  const cost::ArrayShape array{ctx.config.compute().array_rows(), ctx.config.compute().array_cols()};
  KPU_ASSIGN_OR_RETURN(const double dram_bpc, cost::LinkBytesPerCycle(ctx.config, ir::EXTERNAL));
  const ir::MemoryLevelConfig* dram = FindLevel(ctx.config, ir::EXTERNAL);
  const double dram_pj = dram == nullptr ? 0 : dram->read_energy_pj_per_byte();
  const double mac_pj = cost::MacEnergyPj(ctx.config.energy(), xt.dtype);

  auto bytes = [&](const Tiling& t) {
    const uint64_t channels = t.g * t.tc;
    return e * (channels * t.rows.tiles.in_extent * t.cols.tiles.in_extent + channels * (t.toc / t.g) * kh * kw +
                (has_bias ? t.toc : 0) + static_cast<uint64_t>(t.toc) * t.rows.tiles.size * t.cols.tiles.size);
  };
  // Time x energy of a candidate, as kpu/cost will count its DFX (up to ragged tiles): the array
  // cycles of every tile's GEMM, the DRAM link carrying every window and weight tile and the output.
  auto score = [&](const Tiling& t) -> absl::StatusOr<double> {
    const double outer = static_cast<double>(x[0]) * t.group_tiles * t.oc_tiles;
    const double bands = static_cast<double>(t.rows.tiles.trips) * t.cols.tiles.trips;
    const double rows = static_cast<double>(ValidSpan(t.rows.tiles, x[2])) / t.rows.tiles.trips;
    const double cols = static_cast<double>(ValidSpan(t.cols.tiles, x[3])) / t.cols.tiles.trips;
    const int64_t pixels = std::max<int64_t>(1, static_cast<int64_t>(rows * cols + 0.5));
    const int64_t taps = (t.toc / t.g) * kh * kw;
    KPU_ASSIGN_OR_RETURN(uint64_t gemm, cost::GemmComputeCycles({pixels, taps, t.tc}, cost::Dataflow::kOutputStationary, array));
    const double steps = outer * bands * t.k_tiles * t.g;
    const double compute = steps * static_cast<double>(gemm);
    const double macs = steps * pixels * taps * t.tc;
    const double window = static_cast<double>(t.g) * t.tc * t.k_tiles * rows * cols;
    const double weights = static_cast<double>(t.g) * t.tc * t.k_tiles * (t.toc / t.g) * kh * kw;
    const double moved = e * (outer * (bands * window + (t.k_tiles == 1 ? 1 : bands) * weights) +
                              static_cast<double>(NumElements(y)));
    const double time = std::max(compute, moved / dram_bpc);
    return time * (moved * dram_pj + macs * mac_pj);
  };

  // Channel tilings: output channels of one group at a time (any tile size for one group, tiles
  // that divide the group otherwise, so none straddles two groups), or several whole groups.
  std::vector<Tiling> channel_tilings;
  auto add_channels = [&](int64_t g, int64_t toc, bool any_tc) {
    Tiling t;
    t.g = g;
    t.group_tiles = CeilDiv(groups, g);
    t.toc = toc;
    t.oc_tiles = g > 1 ? 1 : CeilDiv(ocg, toc);
    t.tc = any_tc ? 0 : -1;  // 0: any size, -1: divisors of the group
    channel_tilings.push_back(t);
  };
  if (groups == 1) {
    for (int64_t toc : Shrinks(ocg)) add_channels(1, toc, true);
  } else {
    for (int64_t g : Shrinks(groups)) {
      if (g > 1) add_channels(g, g * ocg, false);
    }
    for (int64_t toc : Divisors(ocg)) add_channels(1, toc, false);
  }
  std::vector<TransposeAxis> row_axes, col_axes;
  for (int64_t t : BandSizes(y[2], a.stride[0])) {
    row_axes.push_back(TransposeAxisOf(y[2], t, kh, a.stride[0], a.padding[0], a.dilation[0]));
  }
  for (int64_t t : BandSizes(y[3], a.stride[1])) {
    col_axes.push_back(TransposeAxisOf(y[3], t, kw, a.stride[1], a.padding[1], a.dilation[1]));
  }

  Tiling best;
  double best_score = std::numeric_limits<double>::infinity();
  auto consider = [&](const Tiling& base, const TransposeAxis& r, const TransposeAxis& c) -> absl::Status {
    Tiling t = base;
    t.rows = r;
    t.cols = c;
    auto fits = [&](int64_t tc) {
      Tiling probe = t;
      probe.tc = tc;
      return bytes(probe) <= cap;
    };
    if (base.g > 1) {
      t.tc = fits(cg) ? cg : 0;  // several groups take all their channels at once
    } else if (base.tc == 0) {
      t.tc = LargestFitting(cg, fits);
    } else {
      t.tc = 0;
      for (int64_t d : Divisors(cg)) {
        if (fits(d)) {
          t.tc = d;
          break;
        }
      }
    }
    if (t.tc == 0) return absl::OkStatus();
    t.k_tiles = CeilDiv(cg, t.tc);
    t.l1_bytes = bytes(t);
    KPU_ASSIGN_OR_RETURN(double s, score(t));
    if (s < best_score) {
      best_score = s;
      best = t;
    }
    return absl::OkStatus();
  };
  // Whole rows first; bands of columns only when no tile of whole rows fits.
  for (const Tiling& base : channel_tilings) {
    for (const TransposeAxis& r : row_axes) KPU_RETURN_IF_ERROR(consider(base, r, col_axes.front()));
  }
  if (best_score == std::numeric_limits<double>::infinity()) {
    for (const Tiling& base : channel_tilings) {
      for (const TransposeAxis& r : row_axes) {
        for (size_t i = 1; i < col_axes.size(); ++i) KPU_RETURN_IF_ERROR(consider(base, r, col_axes[i]));
      }
    }
  }
  if (best_score == std::numeric_limits<double>::infinity()) {
    Tiling one;
    one.rows = row_axes.back();
    one.cols = col_axes.back();
    return MemoryExceededError(
        "SRAM", bytes(one), cap,
        SmallestTileWhere(node, ctx,
                          absl::StrCat("1 input and 1 output channel x ", one.rows.tiles.size, "x", one.cols.tiles.size,
                                       " outputs, reading a ", one.rows.tiles.in_extent, "x", one.cols.tiles.in_extent,
                                       " input window and a 1x1x", kh, "x", kw, " weight tile")));
  }
  const Tiling& t = best;

  ir::TileConfig* cfg = op->mutable_tiling();
  (*cfg->mutable_tile_sizes())["G"] = t.g;
  (*cfg->mutable_tile_sizes())["OC"] = t.toc;
  (*cfg->mutable_tile_sizes())["OH"] = t.rows.tiles.size;
  (*cfg->mutable_tile_sizes())["OW"] = t.cols.tiles.size;
  (*cfg->mutable_tile_sizes())["C"] = t.tc;
  for (const char* l : {"N", "G", "OC", "OH", "OW", "C"}) cfg->add_loop_order(l);
  cfg->set_dataflow(ir::OUTPUT_STATIONARY);
  op->set_l1_bytes(t.l1_bytes);

  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
  if (t.group_tiles > 1) body = bld.Loop(body, "gi", t.group_tiles);
  if (t.oc_tiles > 1) body = bld.Loop(body, "tj", t.oc_tiles);
  // Terms of the loops this kernel has (a loop of one trip is not emitted).
  auto term = [&](const std::string& var, int64_t coeff) -> std::pair<std::string, int64_t> {
    const bool present = (var == "gi" && t.group_tiles > 1) || (var == "tj" && t.oc_tiles > 1) ||
                         (var == "tk" && t.k_tiles > 1);
    return present ? std::make_pair(var, coeff) : std::make_pair(std::string(), int64_t{0});
  };
  const ir::AffineExpr oc_origin = Affine(0, {term("gi", t.g * ocg), term("tj", t.toc)});
  const int64_t channels = t.g * t.tc;

  auto weights_of = [&](TileIndex k) {
    RegionSpec r{node.inputs(1)};
    r.dims = {Dim(Affine(k.constant * t.tc, {term("gi", t.g * cg), term(k.var, t.tc)}), channels),
              Dim(Affine(0, {term("tj", t.toc)}), t.toc / t.g), Dim(Affine(0), kh), Dim(Affine(0), kw)};
    return r;
  };
  RegionSpec bias{has_bias ? node.inputs(2) : ""};
  bias.dims = {Dim(oc_origin, t.toc)};
  std::vector<uint64_t> resident;
  if (has_bias) resident.push_back(bld.Move(body, bias, ir::EXTERNAL, l1, {}));
  // Without a K split the tile's weights stay in L1 for all its bands.
  if (t.k_tiles == 1) resident.push_back(bld.Move(body, weights_of(Const(0)), ir::EXTERNAL, l1, {}));

  DfxList* th_body = bld.Loop(body, "th", t.rows.tiles.trips);
  DfxList* tw_body = bld.Loop(th_body, "tw", t.cols.tiles.trips);
  RegionSpec out{node.outputs(0)};
  out.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(oc_origin, t.toc),
              Dim(Affine(0, {{"th", t.rows.tiles.size}}), t.rows.tiles.size),
              Dim(Affine(0, {{"tw", t.cols.tiles.size}}), t.cols.tiles.size)};

  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  auto set_pair = [&](const char* name, int64_t h, int64_t wv) {
    ir::IntList* v = attrs[name].mutable_ints();
    v->clear_values();
    v->add_values(h);
    v->add_values(wv);
  };
  set_pair("padding", t.rows.padding, t.cols.padding);
  set_pair("output_padding", t.rows.output_padding, t.cols.output_padding);
  attrs["groups"].set_i(t.g);

  auto k_step = [&](DfxList* into, TileIndex k, bool first) {
    RegionSpec window{node.inputs(0)};
    window.dims = {Dim(Affine(0, {{"n", 1}}), 1),
                   Dim(Affine(k.constant * t.tc, {term("gi", t.g * cg), term(k.var, t.tc)}), channels),
                   WindowDim(t.rows.tiles, "th"), WindowDim(t.cols.tiles, "tw")};
    std::vector<uint64_t> after = {bld.Move(into, window, ir::EXTERNAL, l1, {})};
    RegionSpec weights = weights_of(k);
    if (t.k_tiles > 1) after.push_back(bld.Move(into, weights, ir::EXTERNAL, l1, {}));
    after.insert(after.end(), resident.begin(), resident.end());
    std::vector<ir::TensorRegion> inputs = {window.At(l1), weights.At(l1)};
    if (first && has_bias) inputs.push_back(bias.At(l1));
    return bld.Compute(into, ir::Compute::CONV2D_TILE, node.op_type(), inputs, out.At(l1), !first, 0, after, &attrs,
                       ir::OUTPUT_STATIONARY);
  };
  uint64_t last = k_step(tw_body, Const(0), true);
  if (t.k_tiles > 1) {
    DfxList* tk_body = bld.Loop(tw_body, "tk", t.k_tiles);
    tw_body->Mutable(tw_body->size() - 1)->mutable_tile_loop()->set_start(1);
    last = k_step(tk_body, Var("tk"), false);
  }
  bld.Move(tw_body, out, l1, ir::EXTERNAL, {last});
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

}  // namespace kpu::compiler
