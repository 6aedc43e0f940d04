// Window ops on NCHW planes: max_pool2d, avg_pool2d, the adaptive pools, nearest and bilinear
// upsampling, conv_transpose2d. Two tilings:
//
// * Window tiles (max_pool2d; avg_pool2d whenever every window's divisor is the same): output
//   tiles of channels x rows x cols on the vector unit, each reading its input window directly:
//   origin = out_origin * stride - pad, extent = (t - 1) * stride + (k - 1) * dilation + 1, with
//   the halo past t * stride. Elements outside the input read as the region's padding (-inf for
//   max, 0 for avg), so the tile kernel runs with padding 0 and ceil_mode 0 and its output is
//   exactly the tile. Max pooling never counts padding, and PyTorch's ceil_mode only adds a last
//   window that starts inside the input (or its left padding), so it always holds a real element.
//   Avg pooling's divisor is uniform (kernel area) when divisor_override is set, or when padding
//   counts and no window reaches past the bottom/right padding: then the window tile's kernel,
//   which sees a full window everywhere, divides exactly as the whole op does.
// * Plane tiles (everything else): whole input and output planes of a chunk of channels, the
//   kernel running with the op's own attributes. That is exact by construction for the adaptive
//   pools (overlapping bins), the upsamplers (source index = floor(dst * in / out) is not affine in
//   a tile index; nearest upsampling by power-of-two factors is, and gets window tiles), avg pooling whose border windows have smaller divisors (the kernel must see the
//   real borders), and conv_transpose2d (tiles of whole groups; each input pixel scatters into a
//   kernel-sized output patch).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/conv.h"
#include "kpu/ir/ops/pool.h"

namespace kpu::compiler {
namespace {

absl::Status NeedRank4(const ir::Node& node, const Shape& x) {
  if (x.size() != 4) {
    return InvalidArgumentError(absl::StrCat(node.op_type(), " '", node.name(), "': input must be NCHW (rank 4), got ",
                                             FormatShape(x)));
  }
  return absl::OkStatus();
}

// The largest count in [1, limit] with bytes(count) <= capacity, or 0 when not even one fits.
template <typename Bytes>
int64_t LargestFitting(int64_t limit, uint64_t capacity, Bytes bytes) {
  int64_t lo = 0, hi = limit;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (bytes(mid) <= capacity) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

void RecordTiling(ir::KPUOp* op, int64_t tc, int64_t toh, int64_t tow, uint64_t l1_bytes) {
  ir::TileConfig* cfg = op->mutable_tiling();
  (*cfg->mutable_tile_sizes())["C"] = tc;
  (*cfg->mutable_tile_sizes())["OH"] = toh;
  (*cfg->mutable_tile_sizes())["OW"] = tow;
  for (const char* l : {"N", "C", "OH", "OW"}) cfg->add_loop_order(l);
  op->set_l1_bytes(l1_bytes);
}

// Whether avg pooling divides every window by the same count, so window tiles are exact.
bool UniformAvgDivisor(const ops::Pool2dAttrs& a, const Shape& x, const Shape& y) {
  if (a.divisor_override != 0) return true;
  if (!a.count_include_pad) {
    if (a.padding[0] != 0 || a.padding[1] != 0) return false;
  }
  // The last window must end inside input + padding (ATen clips the divisor there); without
  // padding the same test says it ends inside the input, which count_include_pad=0 needs.
  for (int d = 0; d < 2; ++d) {
    const int64_t last_end = (y[2 + d] - 1) * a.stride[d] - a.padding[d] + a.kernel[d];
    if (last_end > x[2 + d] + a.padding[d]) return false;
  }
  return true;
}

absl::Status LowerPoolWindows(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, const ops::Pool2dAttrs& a,
                              bool is_max) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const size_t e = DTypeSize(ctx.types.at(node.inputs(0)).dtype);
  const uint64_t cap = L1Capacity(ctx.config);
  auto window = [&](int64_t t, int d) { return (t - 1) * a.stride[d] + (a.kernel[d] - 1) * a.dilation[d] + 1; };
  auto bytes = [&](int64_t tc, int64_t toh, int64_t tow) {
    return static_cast<uint64_t>(e) * tc * (window(toh, 0) * window(tow, 1) + toh * tow);
  };
  // Whole planes if they fit; else fewer channels, then fewer rows, then fewer columns.
  int64_t tow = y[3], toh = y[2];
  int64_t tc = LargestFitting(x[1], cap, [&](int64_t c) { return bytes(c, toh, tow); });
  if (tc == 0) {
    tc = 1;
    toh = LargestFitting(y[2], cap, [&](int64_t r) { return bytes(1, r, tow); });
    if (toh == 0) {
      toh = 1;
      tow = LargestFitting(y[3], cap, [&](int64_t c) { return bytes(1, 1, c); });
      if (tow == 0) {
        return MemoryExceededError("SRAM", bytes(1, 1, 1), cap,
                                   absl::StrCat("L1, smallest tile of ", node.op_type(), " '", node.name(), "'"));
      }
    }
  }
  RecordTiling(op, tc, toh, tow, bytes(tc, toh, tow));

  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
  body = bld.Loop(body, "tc", CeilDiv(x[1], tc));
  body = bld.Loop(body, "th", CeilDiv(y[2], toh));
  body = bld.Loop(body, "tw", CeilDiv(y[3], tow));
  RegionSpec in{node.inputs(0)};
  const int64_t wh = window(toh, 0), ww = window(tow, 1);
  in.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", tc}}), tc),
             Dim(Affine(-a.padding[0], {{"th", toh * a.stride[0]}}), wh, 1, 0, std::max<int64_t>(0, wh - toh * a.stride[0])),
             Dim(Affine(-a.padding[1], {{"tw", tow * a.stride[1]}}), ww, 1, 0, std::max<int64_t>(0, ww - tow * a.stride[1]))};
  in.padding = is_max ? ir::TensorRegion::PAD_NEG_INF : ir::TensorRegion::PAD_ZERO;
  RegionSpec out{node.outputs(0)};
  out.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", tc}}), tc), Dim(Affine(0, {{"th", toh}}), toh),
              Dim(Affine(0, {{"tw", tow}}), tow)};
  // The window carries the padding and the ceil_mode border; the kernel sees plain full windows.
  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  attrs["padding"].mutable_ints()->clear_values();
  for (int i = 0; i < 2; ++i) attrs["padding"].mutable_ints()->add_values(0);
  attrs["ceil_mode"].set_i(0);
  const uint64_t load = bld.Move(body, in, ir::EXTERNAL, l1, {});
  const uint64_t c =
      bld.Compute(body, ir::Compute::REDUCTION, node.op_type(), {in.At(l1)}, out.At(l1), false, 0, {load}, &attrs);
  bld.Move(body, out, l1, ir::EXTERNAL, {c});
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

// Plane tiles: whole planes of `units_per_tile` units of channels, `unit` input and `out_unit`
// output channels each (a conv_transpose2d group; one channel otherwise), plus
// `weight_elems_per_unit` elements of weights and bias per unit; as many units as L1 takes.
absl::StatusOr<int64_t> UnitsPerPlaneTile(const ir::Node& node, LoweringContext& ctx, int64_t units, int64_t unit,
                                          int64_t out_unit, int64_t weight_elems_per_unit, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const size_t e = DTypeSize(ctx.types.at(node.inputs(0)).dtype);
  auto bytes = [&](int64_t u) {
    return static_cast<uint64_t>(e) * u * (unit * x[2] * x[3] + out_unit * y[2] * y[3] + weight_elems_per_unit);
  };
  const uint64_t cap = L1Capacity(ctx.config);
  const int64_t per_tile = LargestFitting(units, cap, bytes);
  if (per_tile == 0) {
    return MemoryExceededError("SRAM", bytes(1), cap,
                               absl::StrCat("L1, one plane tile of ", node.op_type(), " '", node.name(), "'"));
  }
  RecordTiling(op, per_tile * unit, y[2], y[3], bytes(per_tile));
  return per_tile;
}

// Loops over images and tiles of whole planes; `extra` loads further inputs (weights, bias) for
// the tile whose first unit is tc * per_tile.
absl::Status EmitPlanes(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, ir::Compute::Type type,
                        int64_t units, int64_t unit, int64_t out_unit, int64_t per_tile,
                        const google::protobuf::Map<std::string, ir::Attribute>& attrs,
                        const std::vector<RegionSpec>& extra, ir::Dataflow dataflow) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
  body = bld.Loop(body, "tc", CeilDiv(units, per_tile));
  RegionSpec in{node.inputs(0)};
  in.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", per_tile * unit}}), per_tile * unit),
             Dim(Affine(0), x[2]), Dim(Affine(0), x[3])};
  RegionSpec out{node.outputs(0)};
  out.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", per_tile * out_unit}}), per_tile * out_unit),
              Dim(Affine(0), y[2]), Dim(Affine(0), y[3])};
  std::vector<uint64_t> loads = {bld.Move(body, in, ir::EXTERNAL, l1, {})};
  std::vector<ir::TensorRegion> inputs = {in.At(l1)};
  for (const RegionSpec& r : extra) {
    loads.push_back(bld.Move(body, r, ir::EXTERNAL, l1, {}));
    inputs.push_back(r.At(l1));
  }
  const uint64_t c = bld.Compute(body, type, node.op_type(), inputs, out.At(l1), false, 0, loads, &attrs, dataflow);
  bld.Move(body, out, l1, ir::EXTERNAL, {c});
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

absl::Status LowerChannelPlanes(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, ir::Compute::Type type) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedRank4(node, x));
  KPU_ASSIGN_OR_RETURN(int64_t per_tile, UnitsPerPlaneTile(node, ctx, x[1], 1, 1, 0, op));
  return EmitPlanes(node, ctx, op, type, x[1], 1, 1, per_tile, node.attributes(), {}, ir::DATAFLOW_UNSPECIFIED);
}

}  // namespace

absl::Status LowerPool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedRank4(node, x));
  KPU_ASSIGN_OR_RETURN(ops::Pool2dAttrs a, ops::Pool2dAttrsOf(node.attributes()));
  const bool is_max = node.op_type() == "max_pool2d";
  if (is_max || UniformAvgDivisor(a, x, y)) return LowerPoolWindows(node, ctx, op, a, is_max);
  return LowerChannelPlanes(node, ctx, op, ir::Compute::REDUCTION);
}

absl::Status LowerAdaptivePool2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  return LowerChannelPlanes(node, ctx, op, ir::Compute::REDUCTION);
}

// Nearest upsampling by a power-of-two factor f per dimension (2x in detection necks): output
// row r reads input row floor(r / f), and 1/f is exact in float, so ATen's float source index
// agrees with the integer one. A tile of t output rows (t a multiple of f) then reads exactly the
// t / f input rows starting at its origin / f, and the tile kernel, run on that window with
// output_size = the tile, picks the same sources. Tiles: channels, then rows, then columns.
static bool PowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

static absl::Status LowerNearestWindows(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op, int64_t fh, int64_t fw) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  const size_t e = DTypeSize(ctx.types.at(node.inputs(0)).dtype);
  const uint64_t cap = L1Capacity(ctx.config);
  auto bytes = [&](int64_t tc, int64_t toh, int64_t tow) {
    return static_cast<uint64_t>(e) * tc * (toh * tow + (toh / fh) * (tow / fw));
  };
  int64_t toh = y[2], tow = y[3];
  int64_t tc = LargestFitting(x[1], cap, [&](int64_t c) { return bytes(c, toh, tow); });
  if (tc == 0) {
    tc = 1;
    toh = fh * LargestFitting(x[2], cap, [&](int64_t r) { return bytes(1, r * fh, tow); });
    if (toh == 0) {
      toh = fh;
      tow = fw * LargestFitting(x[3], cap, [&](int64_t c) { return bytes(1, fh, c * fw); });
      if (tow == 0) {
        return MemoryExceededError("SRAM", bytes(1, fh, fw), cap,
                                   absl::StrCat("L1, smallest tile of ", node.op_type(), " '", node.name(), "'"));
      }
    }
  }
  RecordTiling(op, tc, toh, tow, bytes(tc, toh, tow));
  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = bld.Loop(op->mutable_dfx(), "n", x[0]);
  body = bld.Loop(body, "tc", CeilDiv(x[1], tc));
  body = bld.Loop(body, "th", CeilDiv(y[2], toh));
  body = bld.Loop(body, "tw", CeilDiv(y[3], tow));
  RegionSpec in{node.inputs(0)};
  in.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", tc}}), tc),
             Dim(Affine(0, {{"th", toh / fh}}), toh / fh), Dim(Affine(0, {{"tw", tow / fw}}), tow / fw)};
  RegionSpec out{node.outputs(0)};
  out.dims = {Dim(Affine(0, {{"n", 1}}), 1), Dim(Affine(0, {{"tc", tc}}), tc), Dim(Affine(0, {{"th", toh}}), toh),
              Dim(Affine(0, {{"tw", tow}}), tow)};
  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  attrs["output_size"].mutable_ints()->clear_values();
  attrs["output_size"].mutable_ints()->add_values(toh);
  attrs["output_size"].mutable_ints()->add_values(tow);
  const uint64_t load = bld.Move(body, in, ir::EXTERNAL, l1, {});
  const uint64_t c =
      bld.Compute(body, ir::Compute::ELEMENTWISE, node.op_type(), {in.At(l1)}, out.At(l1), false, 0, {load}, &attrs);
  bld.Move(body, out, l1, ir::EXTERNAL, {c});
  bld.Barrier(op->mutable_dfx(), absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

absl::Status LowerUpsample2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedRank4(node, x));
  if (node.op_type() == "upsample_nearest2d" && x[2] > 0 && x[3] > 0 && y[2] % x[2] == 0 && y[3] % x[3] == 0 &&
      PowerOfTwo(y[2] / x[2]) && PowerOfTwo(y[3] / x[3])) {
    return LowerNearestWindows(node, ctx, op, y[2] / x[2], y[3] / x[3]);
  }
  return LowerChannelPlanes(node, ctx, op, ir::Compute::ELEMENTWISE);
}

// Tiles of whole groups: the input channels and weight rows of G groups, their output channels
// and bias; the kernel runs with groups = G. Weights [C, OC/g, KH, KW] (ops_contract.md).
absl::Status LowerConvTranspose2d(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  const Shape& x = ctx.types.at(node.inputs(0)).shape;
  const Shape& w = ctx.types.at(node.inputs(1)).shape;
  const Shape& y = ctx.types.at(node.outputs(0)).shape;
  KPU_RETURN_IF_ERROR(NeedRank4(node, x));
  KPU_ASSIGN_OR_RETURN(ops::ConvTranspose2dAttrs a, ops::ConvTranspose2dAttrsOf(node.attributes()));
  const bool has_bias = node.inputs_size() >= 3;
  const int64_t groups = a.groups, cg = x[1] / groups, ocg = w[1];
  const int64_t weight_elems = cg * ocg * w[2] * w[3] + (has_bias ? ocg : 0);
  KPU_ASSIGN_OR_RETURN(int64_t per_tile, UnitsPerPlaneTile(node, ctx, groups, cg, ocg, weight_elems, op));
  RegionSpec weights{node.inputs(1)};
  weights.dims = {Dim(Affine(0, {{"tc", per_tile * cg}}), per_tile * cg), Dim(Affine(0), ocg), Dim(Affine(0), w[2]),
                  Dim(Affine(0), w[3])};
  std::vector<RegionSpec> extra = {weights};
  if (has_bias) {
    RegionSpec bias{node.inputs(2)};
    bias.dims = {Dim(Affine(0, {{"tc", per_tile * ocg}}), per_tile * ocg)};
    extra.push_back(bias);
  }
  google::protobuf::Map<std::string, ir::Attribute> attrs = node.attributes();
  attrs["groups"].set_i(per_tile);
  op->set_macs(static_cast<uint64_t>(NumElements(x)) * ocg * w[2] * w[3]);
  op->mutable_tiling()->set_dataflow(ir::OUTPUT_STATIONARY);
  (void)y;
  return EmitPlanes(node, ctx, op, ir::Compute::CONV2D_TILE, groups, cg, ocg, per_tile, attrs, extra,
                    ir::OUTPUT_STATIONARY);
}

}  // namespace kpu::compiler
