// Output-stationary matmul: each output tile accumulates in the array's registers over the K
// tiles, then takes the fused epilogue (bias, activation) and is stored.
#include "absl/strings/str_cat.h"
#include "kpu/compiler/lowering.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/graph_util.h"

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
  const int rank = static_cast<int>(a.shape.size());
  const int64_t m = a.shape[rank - 2], k = a.shape[rank - 1], n = b.shape[1];
  const int64_t batch = NumElements(Shape(a.shape.begin(), a.shape.end() - 2));
  const size_t e = DTypeSize(a.dtype);

  KPU_ASSIGN_OR_RETURN(MatmulTiling t, ChooseMatmulTiling(m, n, k, batch, e, has_bias, ctx.config, node.name()));
  ir::TileConfig* tc = op->mutable_tiling();
  (*tc->mutable_tile_sizes())["M"] = t.tm;
  (*tc->mutable_tile_sizes())["N"] = t.tn;
  (*tc->mutable_tile_sizes())["K"] = t.tk;
  for (const char* l : {"M", "N", "K"}) tc->add_loop_order(l);
  tc->set_double_buffer(true);
  tc->set_prefetch_distance(1);
  tc->set_dataflow(ir::OUTPUT_STATIONARY);
  op->set_l1_bytes(t.l1_bytes);
  op->set_staging_bytes(t.staging_bytes);
  op->set_macs(static_cast<uint64_t>(batch * m * n * k));

  DfxBuilder& bld = ctx.builder;
  const ir::MemoryLevel stage = bld.StagingLevel();
  const ir::MemoryLevel l1 = bld.L1();
  DfxList* body = op->mutable_dfx();

  // Leading (batch) dimensions of A and C iterate one at a time.
  std::vector<ir::TileIndex> batch_index;
  std::vector<int64_t> batch_tile;
  for (int d = 0; d < rank - 2; ++d) {
    batch_index.push_back(Var(absl::StrCat("b", d)));
    batch_tile.push_back(1);
  }
  auto a_spec = [&](ir::TileIndex ti, ir::TileIndex tk, int64_t tile_k) {
    RegionSpec s{node.inputs(0), batch_index, batch_tile};
    s.index.push_back(ti);
    s.index.push_back(tk);
    s.tile.push_back(t.tm);
    s.tile.push_back(tile_k);
    return s;
  };
  const RegionSpec b_full{node.inputs(1), {Const(0), Const(0)}, {k, n}};
  const RegionSpec bias_full{has_bias ? node.inputs(2) : "", {Const(0)}, {n}};

  std::vector<uint64_t> resident;
  if (t.b_resident) {
    resident.push_back(bld.Move(body, b_full, ir::EXTERNAL, stage, {}));
    if (has_bias) resident.push_back(bld.Move(body, bias_full, ir::EXTERNAL, stage, {}));
  }
  DfxList* loop = body;
  for (int d = 0; d < rank - 2; ++d) loop = bld.Loop(loop, absl::StrCat("b", d), a.shape[d]);
  DfxList* ti_body = bld.Loop(loop, "ti", CeilDiv(m, t.tm));
  std::vector<uint64_t> panel;
  if (t.a_panel) panel.push_back(bld.Move(ti_body, a_spec(Var("ti"), Const(0), k), ir::EXTERNAL, stage, resident));
  DfxList* tj_body = bld.Loop(ti_body, "tj", CeilDiv(n, t.tn));

  const ir::MemoryLevel a_from = t.a_panel ? stage : ir::EXTERNAL;
  const ir::MemoryLevel b_from = t.b_resident ? stage : ir::EXTERNAL;
  RegionSpec c{node.outputs(0), batch_index, batch_tile};
  c.index.push_back(Var("ti"));
  c.index.push_back(Var("tj"));
  c.tile.push_back(t.tm);
  c.tile.push_back(t.tn);
  const ir::TensorRegion c_reg = c.At(ir::REGISTER);

  // One K step: load the A and B tiles into L1 (double-buffered on tk) and multiply.
  auto k_step = [&](DfxList* into, ir::TileIndex tk, bool accumulate, const std::string& slot_var) {
    RegionSpec as = a_spec(Var("ti"), tk, t.tk);
    RegionSpec bs{node.inputs(1), {tk, Var("tj")}, {t.tk, t.tn}};
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
    return bld.Compute(into, ir::Compute::MATMUL_TILE, "matmul", {as.At(l1), bs.At(l1)}, c_reg, accumulate, 0,
                       {la, lb});
  };
  // The first K tile is peeled so it overwrites the accumulators; later ones add to them.
  uint64_t last = k_step(tj_body, Const(0), false, "");
  const int64_t k_tiles = CeilDiv(k, t.tk);
  if (k_tiles > 1) {
    DfxList* tk_body = bld.Loop(tj_body, "tk", k_tiles);
    tj_body->Mutable(tj_body->size() - 1)->mutable_tile_loop()->set_start(1);
    last = k_step(tk_body, Var("tk"), true, "tk");
  }
  if (has_bias) {
    RegionSpec bias{node.inputs(2), {Var("tj")}, {t.tn}};
    uint64_t lb = bld.Move(tj_body, bias, b_from, l1, resident);
    last = bld.Compute(tj_body, ir::Compute::ELEMENTWISE, "add", {c_reg, bias.At(l1)}, c_reg, false, 0, {last, lb});
  }
  if (activation == "relu") {
    last = bld.Compute(tj_body, ir::Compute::ELEMENTWISE, "relu", {c_reg}, c_reg, false, 0, {last});
  }
  bld.Move(tj_body, c, ir::REGISTER, ir::EXTERNAL, {last});
  bld.Barrier(body, absl::StrCat(node.name(), " done"), {});
  return absl::OkStatus();
}

}  // namespace kpu::compiler
