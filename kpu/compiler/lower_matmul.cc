// Matmul in the three dataflows. The loop nest (batch, row tiles, column tiles, K tiles with
// double-buffered A and B tiles in L1) is shared; what happens inside one K tile differs.
// Output stationary: each output tile accumulates over the K tiles, in the array's registers when
// it is one fold, in L1 fold by fold when it is larger. Weight stationary: each R x C part of the
// B tile in turn sits in the array while the tile's A rows stream through. Input stationary: each
// part of the A tile (up to C rows by R of K) sits in the array while the B tile's columns stream
// through. WS and IS accumulate in the output tile in L1 (lower_stationary.h). Then the tile takes
// the fused epilogue (bias, activation) and is stored.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/epilogue.h"
#include "kpu/compiler/lower_stationary.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/cost/dataflow.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/ops/matmul.h"

namespace kpu::compiler {
absl::Status LowerMatmul(const ir::Node& node, LoweringContext& ctx, ir::KPUOp* op) {
  if (GetInt(node.attributes(), "transpose_b", 0) != 0) {
    return CompilationError(absl::StrCat("matmul '", node.name(),
                                         "': a transposed B that is not a constant is not supported yet"));
  }
  const TensorType& a = ctx.types.at(node.inputs(0));
  const TensorType& b = ctx.types.at(node.inputs(1));
  const bool has_bias = node.inputs_size() == 3;
  const std::string activation = GetString(node.attributes(), "activation", "none");
  KPU_ASSIGN_OR_RETURN(const ops::MatmulShape ms, ops::MatmulShapeOf(a.shape, b.shape, false));
  const int64_t m = ms.m, k = ms.k, n = ms.n;
  const int64_t batch = NumElements(ms.batch);
  // B with batches of its own (bmm) is read per output batch, like A.
  const bool b_batched = NumElements(ms.b_batch) > 1;
  const size_t e = DTypeSize(a.dtype);

  const ir::Dataflow dataflow = ctx.dataflow;
  const bool os = dataflow == ir::OUTPUT_STATIONARY;
  KPU_ASSIGN_OR_RETURN(MatmulTiling t, ChooseMatmulTiling(m, n, k, batch, e, has_bias, ctx.config, node.name(),
                                                          cost::FromIr(dataflow), a.dtype, b_batched));
  ir::TileConfig* tc = op->mutable_tiling();
  (*tc->mutable_tile_sizes())["M"] = t.tm;
  (*tc->mutable_tile_sizes())["N"] = t.tn;
  (*tc->mutable_tile_sizes())["K"] = t.tk;
  for (const char* l : {"M", "N", "K"}) tc->add_loop_order(l);
  tc->set_double_buffer(true);
  tc->set_prefetch_distance(1);
  tc->set_dataflow(dataflow);
  op->set_l1_bytes(t.l1_bytes);
  op->set_staging_bytes(t.staging_bytes);

  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel stage = bld.StagingLevel();
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = op->mutable_dfx();
  const int64_t rows = ctx.config.compute().array_rows(), cols = ctx.config.compute().array_cols();

  // The output's batch dimensions iterate one at a time. A and B follow them by broadcasting: a
  // missing leading dimension has no index, a dimension of 1 stays at 0.
  const int out_batch = static_cast<int>(ms.batch.size());
  auto batch_spec = [&](const std::string& tensor, const Shape& shape) {
    RegionSpec spec{tensor, {}, {}};
    const int own = static_cast<int>(shape.size()) - 2;
    for (int d = 0; d < own; ++d) {
      spec.index.push_back(shape[d] == 1 ? Const(0) : Var(absl::StrCat("b", d + out_batch - own)));
      spec.tile.push_back(1);
    }
    return spec;
  };
  auto a_spec = [&](TileIndex ti, TileIndex tk, int64_t tile_k) {
    RegionSpec sp = batch_spec(node.inputs(0), a.shape);
    sp.index.push_back(ti);
    sp.index.push_back(tk);
    sp.tile.push_back(t.tm);
    sp.tile.push_back(tile_k);
    return sp;
  };
  auto b_spec = [&](TileIndex tk, TileIndex tj, int64_t tile_k, int64_t tile_n) {
    RegionSpec sp = batch_spec(node.inputs(1), b.shape);
    sp.index.push_back(tk);
    sp.index.push_back(tj);
    sp.tile.push_back(tile_k);
    sp.tile.push_back(tile_n);
    return sp;
  };
  const int rb = static_cast<int>(b.shape.size());  // B's K and N dimensions are rb - 2 and rb - 1
  const RegionSpec b_full = b_spec(Const(0), Const(0), k, n);
  const RegionSpec bias_full{has_bias ? node.inputs(2) : "", {Const(0)}, {n}};

  std::vector<uint64_t> resident;
  if (t.b_resident) {
    resident.push_back(bld.Move(body, b_full, ir::EXTERNAL, stage, {}));
    if (has_bias) resident.push_back(bld.Move(body, bias_full, ir::EXTERNAL, stage, {}));
  }
  DfxList* loop = body;
  for (int d = 0; d < out_batch; ++d) loop = bld.Loop(loop, absl::StrCat("b", d), ms.batch[d]);
  DfxList* ti_body = bld.Loop(loop, "ti", CeilDiv(m, t.tm));
  std::vector<uint64_t> panel;
  if (t.a_panel) panel.push_back(bld.Move(ti_body, a_spec(Var("ti"), Const(0), k), ir::EXTERNAL, stage, resident));
  DfxList* tj_body = bld.Loop(ti_body, "tj", CeilDiv(n, t.tn));

  const ir::MemoryLevel a_from = t.a_panel ? stage : ir::EXTERNAL;
  const ir::MemoryLevel b_from = t.b_resident ? stage : ir::EXTERNAL;
  RegionSpec c = batch_spec(node.outputs(0), [&] {
    Shape out = ms.batch;
    out.push_back(m);
    out.push_back(n);
    return out;
  }());
  c.index.push_back(Var("ti"));
  c.index.push_back(Var("tj"));
  c.tile.push_back(t.tm);
  c.tile.push_back(t.tn);

  // The array holds R x C accumulators (decision 8). An output tile that fits is one fold and
  // accumulates in REGISTER across the K tiles. A larger one is cut into folds; when K is split
  // too, each fold's partial sums go to the output tile in L1 after every K tile and come back
  // into the array for the next one.
  const int64_t fold_r = std::min(t.tm, rows), fold_c = std::min(t.tn, cols);
  const int64_t folds_m = CeilDiv(t.tm, fold_r), folds_n = CeilDiv(t.tn, fold_c);
  const bool single_fold = folds_m == 1 && folds_n == 1;
  const int64_t k_tiles = CeilDiv(k, t.tk);
  // WS and IS always sum in L1.
  const bool partials_in_l1 = !os || (!single_fold && k_tiles > 1);
  auto narrowed = [&](RegionSpec s, int dim, const std::string& fold_var, int64_t fold) {
    return Narrowed(std::move(s), dim, Var(fold_var), fold);
  };
  const int rc = static_cast<int>(c.index.size());
  c.dtype = ir::FLOAT32;  // the accumulators' own type
  RegionSpec c_fold = c;
  if (!single_fold) c_fold = narrowed(narrowed(c, rc - 2, "fi", fold_r), rc - 1, "fj", fold_c);
  c_fold.partial = partials_in_l1;
  const ir::TensorRegion c_reg = c_fold.At(ir::REGISTER);

  DfxList* fold_body = tj_body;
  uint64_t bias_load = 0;
  RegionSpec bias{has_bias ? node.inputs(2) : "", {Var("tj")}, {t.tn}};
  if (has_bias) bias_load = bld.Move(tj_body, bias, b_from, l1, resident);
  auto k_step = [&](DfxList* into, TileIndex tk, bool first, const std::string& slot_var) {
    RegionSpec as = a_spec(Var("ti"), tk, t.tk);
    RegionSpec bs = b_spec(tk, Var("tj"), t.tk, t.tn);
    for (RegionSpec* s : {&as, &bs}) {
      s->slot_var = slot_var;
      s->slot_count = slot_var.empty() ? 0 : 2;
    }
    // A tile taken from a resident panel is read from the panel's slot, not the double buffer's.
    RegionSpec a_src = as, b_src = bs;
    for (RegionSpec* s : {&a_src, &b_src}) {
      s->slot_var.clear();
      s->slot_count = 0;
    }
    std::vector<uint64_t> deps = panel;
    uint64_t la = bld.Move(into, as, a_from, l1, deps, t.a_panel ? &a_src : nullptr);
    uint64_t lb = bld.Move(into, bs, b_from, l1, deps, t.b_resident ? &b_src : nullptr);
    if (!os) {
      // WS: B parts of <= R K-rows x <= C columns stay; IS: A parts of <= C rows x <= R K-columns.
      const bool ws = dataflow == ir::WEIGHT_STATIONARY;
      const int64_t part_k = std::min(t.tk, rows);
      const int64_t part_out = std::min(ws ? t.tn : t.tm, cols);
      const int ra = static_cast<int>(as.index.size());
      const std::string out_var = ws ? "fj" : "fi";
      const std::vector<FoldLoop> loops = {{out_var, CeilDiv(ws ? t.tn : t.tm, part_out), false},
                                           {"fk", CeilDiv(t.tk, part_k), true}};
      return EmitFoldNest(bld, into, loops, first, [&](DfxList* fold, const FoldIndex& f, bool starts) {
        const TileIndex& fo = f.at(out_var);
        const TileIndex& fk = f.at("fk");
        RegionSpec a_part = Narrowed(as, ra - 1, fk, part_k);
        RegionSpec b_part = Narrowed(bs, rb - 2, fk, part_k);
        if (ws) {
          b_part = Narrowed(b_part, rb - 1, fo, part_out);
        } else {
          a_part = Narrowed(a_part, ra - 2, fo, part_out);
        }
        const RegionSpec sums = Narrowed(c, ws ? rc - 1 : rc - 2, fo, part_out);
        return EmitStationaryFold(bld, fold, ir::Compute::MATMUL_TILE, "matmul", {a_part, b_part}, ws ? 1 : 0, sums,
                                  starts, {la, lb}, dataflow);
      });
    }
    if (single_fold) {
      return bld.Compute(into, ir::Compute::MATMUL_TILE, "matmul", {as.At(l1), bs.At(l1)}, c_reg, !first, 0,
                         {la, lb}, nullptr, ir::OUTPUT_STATIONARY);
    }
    fold_body = bld.Loop(bld.Loop(into, "fi", folds_m), "fj", folds_n);
    as = narrowed(as, static_cast<int>(as.index.size()) - 2, "fi", fold_r);
    bs = narrowed(bs, rb - 1, "fj", fold_c);
    std::vector<uint64_t> after = {la, lb};
    if (!first) after.push_back(bld.Move(fold_body, c_fold, l1, ir::REGISTER, {}));
    uint64_t mm = bld.Compute(fold_body, ir::Compute::MATMUL_TILE, "matmul", {as.At(l1), bs.At(l1)}, c_reg, !first,
                              0, after, nullptr, ir::OUTPUT_STATIONARY);
    return partials_in_l1 ? bld.Move(fold_body, c_fold, ir::REGISTER, l1, {mm}) : mm;
  };
  // The first K tile is peeled so it overwrites the accumulators; later ones add to them.
  uint64_t last = k_step(tj_body, Const(0), true, "");
  if (k_tiles > 1) {
    DfxList* tk_body = bld.Loop(tj_body, "tk", k_tiles);
    tj_body->Mutable(tj_body->size() - 1)->mutable_tile_loop()->set_start(1);
    last = k_step(tk_body, Var("tk"), false, "tk");
  }
  // The epilogue runs where the finished sums are: per fold in REGISTER, or on the whole tile in L1.
  DfxList* epi_body = partials_in_l1 ? tj_body : fold_body;
  const ir::TensorRegion c_epi = partials_in_l1 ? c.At(l1) : c_reg;
  if (has_bias) {
    RegionSpec bias_part = single_fold || partials_in_l1 ? bias : narrowed(bias, 0, "fj", fold_c);
    last = bld.Compute(epi_body, ir::Compute::ELEMENTWISE, "add", {c_epi, bias_part.At(l1)}, c_epi, false, 0,
                       {last, bias_load});
  }
  if (activation != "none") {
    KPU_ASSIGN_OR_RETURN(const auto act, EpilogueActivation(activation));
    last = bld.Compute(epi_body, ir::Compute::ELEMENTWISE, act.first, {c_epi}, c_epi, false, 0, {last}, &act.second);
  }
  if (partials_in_l1) {
    bld.Move(tj_body, c, l1, ir::EXTERNAL, {last}, nullptr, /*flush=*/true);
  } else {
    bld.Move(fold_body, c_fold, ir::REGISTER, ir::EXTERNAL, {last});
  }
  bld.Barrier(body, absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

}  // namespace kpu::compiler
