// conv2d as CONV2D_TILE computes that read their input window directly (no im2col in memory).
// The input window of a tile is an affine region with the conv's halo, whose out-of-bounds rows
// and columns read as the zero padding; the tile kernel runs the conv on that window with padding
// 0. Bias joins the first K step; the residual add and the activation run on the finished tile.
//
// Output stationary: each output tile holds at most R pixels x C filters, one fold of the array.
// Groups ride along whole (a tile holds G complete groups, the kernel runs with groups = G) or,
// when one group has more filters than the array has columns, one group at a time. When the
// window and the weight tile do not fit L1, the input channels split into K tiles whose partial
// sums stay in the array's accumulators.
//
// Weight and input stationary see the conv as SCALE-Sim's GEMM (K = C/groups x KH x KW): a fold
// holds at most R of K, as a box of channels x kernel rows x kernel columns, so a K tile is one
// such channel box and a kernel larger than R splits into kernel-row (or -column) parts. WS keeps
// a weight part (<= C filters of the tile) in the array and streams the tile's output pixels,
// as many as L1 holds; IS keeps the input window of <= C output pixels and streams all the
// group's filters through. Both sum in the output tile in L1 (lower_stationary.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/epilogue.h"
#include "kpu/compiler/lower_stationary.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/conv.h"

namespace kpu::compiler {
namespace {

struct ConvTiling {
  int64_t groups_per_tile = 1;  // G: whole groups in one tile
  int64_t group_tiles = 1;      // tiles over the groups
  int64_t toc = 1;              // filters per tile
  int64_t oc_tiles = 1;         // tiles over the filters of one group chunk
  int64_t toh = 1, tow = 1;     // output pixels per tile
  int64_t tc = 1;               // input channels per K tile (per group)
  int64_t k_tiles = 1;
  int64_t window_h = 1, window_w = 1;
  bool weights_staged = false;  // each filter tile's weights wait in the staging level
  uint64_t l1_bytes = 0, staging_bytes = 0;
  // WS and IS: the kernel part of one fold (tc x part_kh x part_kw <= R of K).
  int64_t part_kh = 1, part_kw = 1;
};

int64_t LargestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d) {
    if (n % d == 0) return d;
  }
  return 1;
}

absl::StatusOr<ConvTiling> ChooseConvTiling(const Shape& w, const Shape& y, const ops::Conv2dAttrs& a,
                                            size_t e, bool has_bias, bool has_residual, const ir::KPUConfig& config,
                                            const std::string& name) {
  const int64_t rows = config.compute().array_rows(), cols = config.compute().array_cols();
  const int64_t groups = a.groups, oc = w[0], cg = w[1], kh = w[2], kw = w[3];
  const int64_t ocg = oc / groups;
  ConvTiling t;
  if (ocg <= cols) {
    t.groups_per_tile = std::min(groups, std::max<int64_t>(1, cols / ocg));
    t.toc = t.groups_per_tile * ocg;
    t.group_tiles = CeilDiv(groups, t.groups_per_tile);
  } else {
    // One group per tile; its filters in tiles that never straddle two groups.
    t.toc = groups == 1 ? cols : LargestDivisorAtMost(ocg, cols);
    t.group_tiles = groups;
    t.oc_tiles = CeilDiv(ocg, t.toc);
  }
  const uint64_t l1_cap = L1Capacity(config);
  const uint64_t stage_cap = StagingCapacity(config);
  const bool staging = OnChipLevels(config).size() > 1;
  auto fits = [&](int64_t toh, int64_t tow, int64_t tc) {
    const int64_t channels = t.groups_per_tile * tc;
    const int64_t wh = (toh - 1) * a.stride[0] + (kh - 1) * a.dilation[0] + 1;
    const int64_t ww = (tow - 1) * a.stride[1] + (kw - 1) * a.dilation[1] + 1;
    // Window and weight tile double-buffered over K tiles, bias, and the residual tile.
    const uint64_t bytes = e * (2 * (channels * wh * ww) + 2 * (t.toc * tc * kh * kw) + (has_bias ? t.toc : 0) +
                                (has_residual ? t.toc * toh * tow : 0));
    return std::make_tuple(bytes <= l1_cap, bytes, wh, ww);
  };
  t.tow = std::min(y[3], rows);
  t.toh = std::min(y[2], std::max<int64_t>(1, rows / t.tow));
  t.tc = cg;
  // Split the input channels (one group only) until the tile fits, then narrow the pixel rows.
  while (!std::get<0>(fits(t.toh, t.tow, t.tc))) {
    if (t.groups_per_tile == 1 && t.tc > 1) {
      t.tc = CeilDiv(t.tc, 2);
    } else if (t.tow > 1) {
      t.tow = CeilDiv(t.tow, 2);
      t.toh = 1;
    } else {
      return MemoryExceededError("SRAM", std::get<1>(fits(1, 1, 1)), l1_cap,
                                 absl::StrCat("L1, smallest tile of conv2d '", name, "'"));
    }
  }
  auto [ok, bytes, wh, ww] = fits(t.toh, t.tow, t.tc);
  t.l1_bytes = bytes;
  t.window_h = wh;
  t.window_w = ww;
  t.k_tiles = CeilDiv(cg, t.tc);
  const uint64_t panel = e * t.toc * cg * kh * kw;
  t.weights_staged = staging && panel + e * t.groups_per_tile * t.tc * wh * ww * 2 <= stage_cap;
  t.staging_bytes = t.weights_staged ? panel : 0;
  return t;
}


// The extent of the input rows (or columns) `out` output rows read through `kernel` kernel rows.
int64_t Span(int64_t out, int64_t kernel, int64_t stride, int64_t dilation) {
  return (out - 1) * stride + (kernel - 1) * dilation + 1;
}

absl::StatusOr<ConvTiling> ChooseStationaryConvTiling(const Shape& w, const Shape& y, const ops::Conv2dAttrs& a,
                                                      size_t e, bool has_bias, bool has_residual, bool ws,
                                                      const ir::KPUConfig& config, const std::string& name) {
  const int64_t rows = config.compute().array_rows(), cols = config.compute().array_cols();
  const int64_t groups = a.groups, oc = w[0], cg = w[1], kh = w[2], kw = w[3];
  const int64_t ocg = oc / groups;
  ConvTiling t;
  // One fold's K: whole kernels of as many channels as R rows take, else kernel rows, else columns.
  if (kh * kw <= rows) {
    t.part_kh = kh;
    t.part_kw = kw;
    t.tc = std::min(cg, rows / (kh * kw));
  } else {
    t.tc = 1;
    t.part_kw = std::min(kw, rows);
    t.part_kh = std::max<int64_t>(1, rows / t.part_kw);
  }
  if (ws) {
    // The weight part's filters are the array's columns, whole groups at a time as in OS. A tile
    // of several groups takes all their channels at once (the window's channels of a K tile must
    // be one box), so a group split over K tiles goes alone.
    if (ocg <= cols && t.tc == cg) {
      t.groups_per_tile = std::min(groups, std::max<int64_t>(1, cols / ocg));
      t.toc = t.groups_per_tile * ocg;
      t.group_tiles = CeilDiv(groups, t.groups_per_tile);
    } else {
      t.toc = groups == 1 ? std::min(ocg, cols) : LargestDivisorAtMost(ocg, cols);
      t.group_tiles = groups;
      t.oc_tiles = CeilDiv(ocg, t.toc);
    }
    t.toh = y[2];
    t.tow = y[3];
  } else {
    // One group at a time; its filters stream through, all of them when L1 holds their weights.
    t.group_tiles = groups;
    t.toc = ocg;
    t.tow = std::min(y[3], cols);
    t.toh = std::min(y[2], std::max<int64_t>(1, cols / t.tow));
  }
  const uint64_t l1_cap = L1Capacity(config);
  const uint64_t reg_cap = static_cast<uint64_t>(rows) * cols;
  // A kernel split into parts that do not divide it reads the window as if it were that many
  // whole parts long (the rows past the kernel meet zero weights), so the window in L1 covers them.
  auto window_h = [&](const ConvTiling& c) {
    return Span(c.toh, CeilDiv(kh, c.part_kh) * c.part_kh, a.stride[0], a.dilation[0]);
  };
  auto window_w = [&](const ConvTiling& c) {
    return Span(c.tow, CeilDiv(kw, c.part_kw) * c.part_kw, a.stride[1], a.dilation[1]);
  };
  auto l1_bytes = [&](const ConvTiling& c) {
    const int64_t channels = c.groups_per_tile * c.tc;
    const int64_t window = channels * window_h(c) * window_w(c);
    // Window and weight tile double-buffered over K tiles, bias, the sums and the residual tile.
    return e * (2 * window + 2 * (c.toc * c.tc * kh * kw) + (has_bias ? c.toc : 0) +
                (has_residual ? 2 : 1) * c.toc * c.toh * c.tow);
  };
  // IS holds a fold's window in the array: at most R x C elements.
  auto held = [&](const ConvTiling& c) {
    return static_cast<uint64_t>(c.tc) * Span(c.toh, c.part_kh, a.stride[0], a.dilation[0]) *
           Span(c.tow, c.part_kw, a.stride[1], a.dilation[1]);
  };
  while (!ws && held(t) > reg_cap) {
    if (t.toh > 1) {
      t.toh = CeilDiv(t.toh, 2);
    } else if (t.tow > 1) {
      t.tow = CeilDiv(t.tow, 2);
    } else if (t.tc > 1) {
      t.tc = CeilDiv(t.tc, 2);
    } else {
      t.part_kw = std::max<int64_t>(1, t.part_kw / 2);
      t.part_kh = 1;
    }
  }
  while (l1_bytes(t) > l1_cap) {
    if (ws && t.toh > 1) {
      t.toh = CeilDiv(t.toh, 2);
    } else if (ws && t.tow > 1) {
      t.tow = CeilDiv(t.tow, 2);
    } else if (!ws && t.toc > 1) {
      const int64_t half = CeilDiv(t.toc, 2);
      t.toc = groups == 1 ? half : LargestDivisorAtMost(ocg, half);
    } else if (t.groups_per_tile > 1) {
      t.groups_per_tile = CeilDiv(t.groups_per_tile, 2);
      t.toc = t.groups_per_tile * ocg;
      t.group_tiles = CeilDiv(groups, t.groups_per_tile);
    } else if (t.tc > 1) {
      t.tc = CeilDiv(t.tc, 2);
    } else {
      ConvTiling one = t;
      one.toh = one.tow = one.toc = 1;
      return MemoryExceededError("SRAM", l1_bytes(one), l1_cap,
                                 absl::StrCat("L1, smallest tile of conv2d '", name, "'"));
    }
  }
  if (!ws) t.oc_tiles = CeilDiv(ocg, t.toc);
  t.l1_bytes = l1_bytes(t);
  t.window_h = window_h(t);
  t.window_w = window_w(t);
  t.k_tiles = CeilDiv(cg, t.tc);
  const bool staging = OnChipLevels(config).size() > 1;
  const uint64_t panel = e * t.toc * cg * kh * kw;
  t.weights_staged = staging && panel + e * t.groups_per_tile * t.tc * t.window_h * t.window_w * 2 <= StagingCapacity(config);
  t.staging_bytes = t.weights_staged ? panel : 0;
  return t;
}

// Which conv tiles are stored channels-innermost, decided here once. The array reduces over input
// channels, so a Streamer feeds it a window pixel's channels (and a filter tap's channels) one
// after another: L1 and the array hold the input window NHWC and the weight tile OHWI, the same
// permutation of a rank-4 tile, which LAYOUT_NHWC names. DRAM and the staging levels keep the
// graph's NCHW / OIHW, so the hop into L1 converts. Bias, residual, the output tile and its partial
// sums stay row-major: they never feed the reduction, the output leaves for NCHW DRAM (or an
// on-chip home in tensor order), and the epilogue steps read them element for element.
enum class ConvTile { kWindow, kWeights, kBias, kResidual, kOutput };

ir::Layout ConvTileLayout(ConvTile tile) {
  return tile == ConvTile::kWindow || tile == ConvTile::kWeights ? ir::LAYOUT_NHWC : ir::LAYOUT_ROW_MAJOR;
}

// `spec` is a `tile` of the conv: its layout from the array-side level (the builder's L1) on.
void SetConvLayout(RegionSpec* spec, ConvTile tile, const DfxBuilder& bld) {
  spec->layout = ConvTileLayout(tile);
  spec->converted_at = bld.L1();
}

}  // namespace

absl::Status LowerConv2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const TensorType& xt = ctx.types.at(node.inputs(0));
  const Shape& x = xt.shape;
  const Shape& w = ctx.types.at(node.inputs(1)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_ASSIGN_OR_RETURN(ops::Conv2dAttrs a, ops::Conv2dAttrsOf(node.attributes()));
  const bool has_bias = node.inputs_size() >= 3;
  const bool has_residual = node.inputs_size() == 4;
  const size_t e = DTypeSize(xt.dtype);
  const ir::Dataflow dataflow = ctx.dataflow;
  const bool os = dataflow == ir::OUTPUT_STATIONARY;
  KPU_ASSIGN_OR_RETURN(ConvTiling t, os ? ChooseConvTiling(w, y, a, e, has_bias, has_residual, ctx.config, node.name())
                                        : ChooseStationaryConvTiling(w, y, a, e, has_bias, has_residual,
                                                                     dataflow == ir::WEIGHT_STATIONARY, ctx.config,
                                                                     node.name()));
  const int64_t cg = w[1], kh = w[2], kw = w[3], ocg = w[0] / a.groups;
  const int64_t g = t.groups_per_tile;

  ir::TileConfig* tc = op->mutable_tiling();
  (*tc->mutable_tile_sizes())["OC"] = t.toc;
  (*tc->mutable_tile_sizes())["OH"] = t.toh;
  (*tc->mutable_tile_sizes())["OW"] = t.tow;
  (*tc->mutable_tile_sizes())["C"] = t.tc;
  (*tc->mutable_tile_sizes())["G"] = g;
  for (const char* l : {"N", "G", "OC", "OH", "OW", "C"}) tc->add_loop_order(l);
  if (!os) {
    (*tc->mutable_tile_sizes())["KH"] = t.part_kh;
    (*tc->mutable_tile_sizes())["KW"] = t.part_kw;
  }
  tc->set_double_buffer(t.k_tiles > 1);
  tc->set_prefetch_distance(1);
  tc->set_dataflow(dataflow);
  op->set_l1_bytes(t.l1_bytes);
  op->set_staging_bytes(t.staging_bytes);

  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  const ir::MemoryLevel stage = bld.StagingLevel();
  DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
  if (t.group_tiles > 1) body = bld.Loop(body, "gi", t.group_tiles);
  if (t.oc_tiles > 1) body = bld.Loop(body, "tj", t.oc_tiles);
  // Filters of this tile start at gi * G * OCg + tj * toc.
  // Terms of loops this kernel has (a loop of one trip is not emitted).
  auto term = [&](const std::string& var, int64_t coeff) -> std::pair<std::string, int64_t> {
    const bool present = (var == "gi" && t.group_tiles > 1) || (var == "tj" && t.oc_tiles > 1) ||
                         (var == "tk" && t.k_tiles > 1) || var == "n" || var == "th" || var == "tw";
    return present ? std::make_pair(var, coeff) : std::make_pair(std::string(), int64_t{0});
  };
  const ir::AffineExpr oc_origin = Affine(0, {term("gi", g * ocg), term("tj", t.toc)});
  auto filters_dim = [&](int64_t extent) { return Dim(oc_origin, extent); };

  RegionSpec panel{node.inputs(1)};
  panel.dims = {filters_dim(t.toc), Dim(Affine(0), cg), Dim(Affine(0), kh), Dim(Affine(0), kw)};
  SetConvLayout(&panel, ConvTile::kWeights, bld);
  std::vector<uint64_t> staged;
  if (t.weights_staged) staged.push_back(bld.Move(body, panel, ir::EXTERNAL, stage, {}));
  RegionSpec bias{has_bias ? node.inputs(2) : ""};
  bias.dims = {filters_dim(t.toc)};
  SetConvLayout(&bias, ConvTile::kBias, bld);
  if (has_bias) staged.push_back(bld.Move(body, bias, ir::EXTERNAL, l1, {}));

  DfxList* th_body = bld.Loop(body, "th", CeilDiv(y[2], t.toh));
  DfxList* tw_body = bld.Loop(th_body, "tw", CeilDiv(y[3], t.tow));

  RegionSpec out{node.outputs(0)};
  out.dims = {Dim(Affine(0, {{"n", 1}}), 1), filters_dim(t.toc), Dim(Affine(0, {{"th", t.toh}}), t.toh),
              Dim(Affine(0, {{"tw", t.tow}}), t.tow)};
  out.dtype = ir::FLOAT32;  // the accumulators' own type
  SetConvLayout(&out, ConvTile::kOutput, bld);
  // OS sums in the array, WS and IS in L1.
  const ir::TensorRegion acc = out.At(os ? ir::REGISTER : l1);

  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  attrs["padding"].mutable_ints()->clear_values();
  for (int i = 0; i < 4; ++i) attrs["padding"].mutable_ints()->add_values(0);  // the window carries it
  attrs["groups"].set_i(g);
  attrs["activation"].set_s("none");

  auto k_step = [&](DfxList* into, TileIndex k, bool first, const std::string& slot_var) {
    const int64_t tk = t.k_tiles > 1 ? t.tc : cg;
    RegionSpec window{node.inputs(0)};
    const int64_t halo_h = std::max<int64_t>(0, t.window_h - t.toh * a.stride[0]);
    const int64_t halo_w = std::max<int64_t>(0, t.window_w - t.tow * a.stride[1]);
    window.dims = {Dim(Affine(0, {{"n", 1}}), 1),
                   Dim(Affine(k.constant * tk, {term("gi", g * cg), term(k.var, tk)}), g * tk),
                   Dim(Affine(-a.padding[0], {{"th", t.toh * a.stride[0]}}), t.window_h, 1, 0, halo_h),
                   Dim(Affine(-a.padding[1], {{"tw", t.tow * a.stride[1]}}), t.window_w, 1, 0, halo_w)};
    RegionSpec weights{node.inputs(1)};
    weights.dims = {filters_dim(t.toc), Dim(Affine(k.constant * tk, {term(k.var, tk)}), tk), Dim(Affine(0), kh),
                    Dim(Affine(0), kw)};
    SetConvLayout(&window, ConvTile::kWindow, bld);
    SetConvLayout(&weights, ConvTile::kWeights, bld);
    for (RegionSpec* s : {&window, &weights}) {
      s->slot_var = slot_var;
      s->slot_count = slot_var.empty() ? 0 : 2;
    }
    RegionSpec weights_src = weights;
    weights_src.slot_var.clear();
    weights_src.slot_count = 0;
    const uint64_t lx = bld.Move(into, window, ir::EXTERNAL, l1, {});
    const uint64_t lw = bld.Move(into, weights, t.weights_staged ? stage : ir::EXTERNAL, l1, staged,
                                 t.weights_staged ? &weights_src : nullptr);
    if (!os) {
      const bool ws = dataflow == ir::WEIGHT_STATIONARY;
      const std::vector<FoldLoop> loops = {{"kr", CeilDiv(kh, t.part_kh), true}, {"ks", CeilDiv(kw, t.part_kw), true}};
      return EmitFoldNest(bld, into, loops, first, [&](DfxList* fold, const FoldIndex& f, bool starts) {
        // The kernel part's rows and columns, and the window rows and columns they read.
        RegionSpec w_part = Narrowed(Narrowed(weights, 2, f.at("kr"), t.part_kh), 3, f.at("ks"), t.part_kw);
        RegionSpec x_part = window;
        const int64_t parts[2] = {t.part_kh, t.part_kw};
        const int64_t outs[2] = {t.toh, t.tow};
        const char* vars[2] = {"kr", "ks"};
        for (int d = 0; d < 2; ++d) {
          const int64_t extent = Span(outs[d], parts[d], a.stride[d], a.dilation[d]);
          x_part = Narrowed(x_part, 2 + d, f.at(vars[d]), extent, parts[d] * a.dilation[d]);
          x_part.dims[2 + d].set_halo_hi(std::max<int64_t>(0, extent - outs[d] * a.stride[d]));
        }
        std::vector<RegionSpec> in = {x_part, w_part};
        if (starts && has_bias) in.push_back(bias);
        return EmitStationaryFold(bld, fold, ir::Compute::CONV2D_TILE, "conv2d", in, ws ? 1 : 0, out, starts, {lx, lw},
                                  dataflow, &attrs);
      });
    }
    std::vector<ir::TensorRegion> inputs = {window.At(l1), weights.At(l1)};
    if (first && has_bias) inputs.push_back(bias.At(l1));
    return bld.Compute(into, ir::Compute::CONV2D_TILE, "conv2d", inputs, acc, !first, 0, {lx, lw}, &attrs,
                       ir::OUTPUT_STATIONARY);
  };
  uint64_t last = k_step(tw_body, Const(0), true, "");
  if (t.k_tiles > 1) {
    DfxList* tk_body = bld.Loop(tw_body, "tk", t.k_tiles);
    tw_body->Mutable(tw_body->size() - 1)->mutable_tile_loop()->set_start(1);
    last = k_step(tk_body, Var("tk"), false, "tk");
  }
  if (has_residual) {
    RegionSpec residual = out;
    residual.tensor = node.inputs(3);
    residual.dtype = ir::DTYPE_UNSPECIFIED;
    SetConvLayout(&residual, ConvTile::kResidual, bld);
    const uint64_t lr = bld.Move(tw_body, residual, ir::EXTERNAL, l1, {});
    last = bld.Compute(tw_body, ir::Compute::ELEMENTWISE, "add", {acc, residual.At(l1)}, acc, false, 0, {last, lr});
  }
  if (a.activation != "none") {
    KPU_ASSIGN_OR_RETURN(const auto act, EpilogueActivation(a.activation));
    const auto& [fn, act_attrs] = act;
    last = bld.Compute(tw_body, ir::Compute::ELEMENTWISE, fn, {acc}, acc, false, 0, {last}, &act_attrs);
  }
  if (os) {
    bld.Move(tw_body, out, ir::REGISTER, ir::EXTERNAL, {last});
  } else {
    bld.Move(tw_body, out, l1, ir::EXTERNAL, {last}, nullptr, /*flush=*/true);
  }
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

}  // namespace kpu::compiler
