// The per-op estimate, energy, links, vector unit and the dataflow ranking.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/cost/compute_cost.h"
#include "kpu/cost/dataflow.h"
#include "kpu/cost/energy.h"
#include "kpu/cost/link.h"
#include "kpu/cost/op_cost.h"
#include "kpu/cost/ops/ops.h"
#include "kpu/cost/vector.h"
#include "kpu/ir/config_presets.h"

namespace kpu::cost {
namespace {

ir::TensorRegion Region(const std::string& t, ir::MemoryLevel level, std::vector<int64_t> tile,
                        std::vector<std::string> vars = {}) {
  ir::TensorRegion r;
  r.set_tensor(t);
  r.set_level(level);
  for (size_t d = 0; d < tile.size(); ++d) {
    ir::RegionDim* dim = r.add_dims();
    dim->set_extent(tile[d]);
    if (d < vars.size() && !vars[d].empty()) {
      ir::AffineTerm* term = dim->mutable_origin()->add_terms();
      term->set_var(vars[d]);
      term->set_coeff(tile[d]);
    }
  }
  return r;
}

ProgramTensors Tensors(std::map<std::string, Shape> shapes) {
  ProgramTensors t;
  t.shapes = shapes;
  for (const auto& [name, s] : shapes) t.dtypes[name] = ir::FLOAT32;
  return t;
}

// C[M, N] = A[M, K] x B[K, N] with one output tile of tm x N and K in tiles of tk, operands
// already in L1 (no moves), so the op's time is the array's.
ir::KPUOp KLoopMatmul(int64_t m, int64_t n, int64_t k, int64_t tk) {
  ir::KPUOp op;
  op.set_id("mm");
  op.set_op_type("matmul");
  auto add_compute = [&](google::protobuf::RepeatedPtrField<ir::DfxOp>* into, bool acc) {
    ir::Compute* c = into->Add()->mutable_compute();
    c->set_type(ir::Compute::MATMUL_TILE);
    c->set_function("matmul");
    c->set_accumulate(acc);
    *c->add_inputs() = Region("A", ir::L1, {m, tk}, {"", acc ? "tk" : ""});
    *c->add_inputs() = Region("B", ir::L1, {tk, n}, {acc ? "tk" : "", ""});
    *c->mutable_output() = Region("C", ir::REGISTER, {m, n});
  };
  add_compute(op.mutable_dfx(), false);
  ir::TileLoop* loop = op.add_dfx()->mutable_tile_loop();
  loop->set_induction_var("tk");
  loop->set_start(1);
  loop->set_end(k / tk);
  loop->set_step(1);
  add_compute(loop->mutable_body(), true);
  return op;
}

TEST(OpCost, FillAndDrainOncePerFoldNotPerKTile) {
  ir::KPUConfig c = DefaultConfig();
  c.mutable_compute()->set_array_rows(32);
  c.mutable_compute()->set_array_cols(32);
  c.mutable_compute()->set_compute_tiles(1);
  // The GEMM as one output tile per 32x32 fold would be 8 x 4 folds; here one 32x128
  // tile (4 folds) over K = 2048 in tiles of 256: 4 * (2048 + 62) cycles, as SCALE-Sim counts.
  auto cost = EstimateOp(KLoopMatmul(32, 128, 2048, 256), Tensors({{"A", {32, 2048}}, {"B", {2048, 128}}, {"C", {32, 128}}}), c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->folds, 4u);
  EXPECT_EQ(cost->array_cycles, 4u * (2048 + 62));
  EXPECT_EQ(cost->compute_cycles, cost->array_cycles);
  EXPECT_EQ(cost->total_cycles, cost->array_cycles);  // no moves: no prologue, epilogue or stall
  EXPECT_EQ(cost->macs, 32u * 128 * 2048);
}

TEST(OpCost, WeightStationaryPaysThePreloadOnEveryTile) {
  ir::KPUConfig c = DefaultConfig();
  c.mutable_compute()->set_array_rows(32);
  c.mutable_compute()->set_array_cols(32);
  c.mutable_compute()->set_compute_tiles(1);
  ir::KPUOp op = KLoopMatmul(64, 32, 256, 64);
  op.mutable_tiling()->set_dataflow(ir::WEIGHT_STATIONARY);
  auto cost = EstimateOp(op, Tensors({{"A", {64, 256}}, {"B", {256, 32}}, {"C", {64, 32}}}), c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  // Each 64-deep K tile maps (K, N, M) = (64, 32, 64): 2 folds of 2R + C + M - 2; four tiles.
  EXPECT_EQ(cost->array_cycles, 4u * 2 * (64 + 32 + 64 - 2));
  // Equal to the whole GEMM's WS cycles, since the tiles align with the array.
  auto whole = GemmComputeCycles({64, 32, 256}, Dataflow::kWeightStationary, {32, 32});
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(cost->array_cycles, *whole);
  // The Compute's own dataflow wins over its op's.
  ir::KPUOp per_compute = KLoopMatmul(64, 32, 256, 64);
  per_compute.mutable_dfx(0)->mutable_compute()->set_dataflow(ir::WEIGHT_STATIONARY);
  per_compute.mutable_dfx(1)->mutable_tile_loop()->mutable_body(0)->mutable_compute()->set_dataflow(ir::WEIGHT_STATIONARY);
  auto by_compute = EstimateOp(per_compute, Tensors({{"A", {64, 256}}, {"B", {256, 32}}, {"C", {64, 32}}}), c);
  ASSERT_TRUE(by_compute.ok()) << by_compute.status();
  EXPECT_EQ(by_compute->array_cycles, *whole);
}

// One 16x64 by 64x16 tile: loads A and B from DRAM into L1, multiplies, stores C.
ir::KPUOp OneTile() {
  ir::KPUOp op;
  op.set_id("mm");
  op.set_op_type("matmul");
  for (auto [t, s] : {std::pair<std::string, std::vector<int64_t>>{"A", {16, 64}}, {"B", {64, 16}}}) {
    auto* move = op.add_dfx()->mutable_data_move();
    *move->mutable_source() = Region(t, ir::EXTERNAL, s);
    *move->mutable_destination() = Region(t, ir::L1, s);
  }
  auto* c = op.add_dfx()->mutable_compute();
  c->set_type(ir::Compute::MATMUL_TILE);
  c->set_function("matmul");
  *c->add_inputs() = Region("A", ir::L1, {16, 64});
  *c->add_inputs() = Region("B", ir::L1, {64, 16});
  *c->mutable_output() = Region("C", ir::REGISTER, {16, 16});
  auto* store = op.add_dfx()->mutable_data_move();
  store->set_type(ir::DataMove::STORE);
  *store->mutable_source() = Region("C", ir::REGISTER, {16, 16});
  *store->mutable_destination() = Region("C", ir::EXTERNAL, {16, 16});
  return op;
}

TEST(OpCost, PrologueAndEpilogueAreNotHidden) {
  const ir::KPUConfig c = DefaultConfig();  // 16x16, DRAM 100 B/cycle at 1 GHz
  const ProgramTensors t = Tensors({{"A", {16, 64}}, {"B", {64, 16}}, {"C", {16, 16}}});
  auto cost = EstimateOp(OneTile(), t, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  const double dram_bpc = LevelBytesPerCycle(c, *FindLevel(c, ir::EXTERNAL));
  const uint64_t tile_in = static_cast<uint64_t>(std::ceil(4096 / dram_bpc));
  EXPECT_EQ(cost->prologue_cycles, 2 * tile_in);
  EXPECT_EQ(cost->epilogue_cycles, static_cast<uint64_t>(std::ceil(1024 / dram_bpc)));
  EXPECT_EQ(cost->compute_cycles, 64u + 30);
  EXPECT_EQ(cost->total_cycles, cost->prologue_cycles + 94 + cost->epilogue_cycles);
  EXPECT_EQ(cost->stall_cycles, cost->total_cycles - 94);
  EXPECT_EQ(cost->dram_bytes(), 4u * (16 * 64 * 2 + 16 * 16));
  const double pj = 16 * 16 * 64 * c.energy().mac_fp32_pj() + 8192 * (12.0 + 0.2) + 1024 * 12.0 +
                    c.energy().static_power_w() * cost->total_cycles * 1e-9 * 1e12;
  EXPECT_NEAR(cost->energy.total_pj(), pj, 1e-6);
  // SCALE-Sim's 1-byte words: a quarter of the bytes, the same folds.
  auto one_byte = EstimateOp(OneTile(), t, c, CostSettings::ScaleSim());
  ASSERT_TRUE(one_byte.ok());
  EXPECT_EQ(one_byte->dram_bytes(), cost->dram_bytes() / 4);
  EXPECT_EQ(one_byte->compute_cycles, 93u);  // numbered from cycle 0, as SCALE-Sim counts
}

// The same tile in packed int4 moves half a byte per element (it once moved none) and its MACs
// cost an int8 MAC each.
TEST(OpCost, PackedInt4TilesMoveHalfAByteAndCostInt8Macs) {
  const ir::KPUConfig c = DefaultConfig();
  ProgramTensors t = Tensors({{"A", {16, 64}}, {"B", {64, 16}}, {"C", {16, 16}}});
  for (auto& [name, dtype] : t.dtypes) dtype = ir::INT4;
  auto cost = EstimateOp(OneTile(), t, c);
  ASSERT_TRUE(cost.ok()) << cost.status();
  EXPECT_EQ(cost->dram_bytes(), (16u * 64 * 2 + 16 * 16) / 2);
  EXPECT_EQ(cost->activity.macs.at(ir::INT4), 16u * 16 * 64);
  EXPECT_DOUBLE_EQ(cost->energy.compute_pj, 16 * 16 * 64 * c.energy().mac_int8_pj());
}

TEST(OpCost, UnknownFunctionAndMissingLevelAreErrorsNamingTheOp) {
  ir::KPUOp op = OneTile();
  op.mutable_dfx(2)->mutable_compute()->set_function("frobnicate");
  const ProgramTensors t = Tensors({{"A", {16, 64}}, {"B", {64, 16}}, {"C", {16, 16}}});
  auto cost = EstimateOp(op, t, DefaultConfig());
  ASSERT_FALSE(cost.ok());
  EXPECT_THAT(cost.status().message(), ::testing::HasSubstr("op 'mm'"));
  EXPECT_THAT(cost.status().message(), ::testing::HasSubstr("frobnicate"));
  ir::KPUConfig no_l1 = DefaultConfig();
  no_l1.mutable_memory()->RemoveLast();
  EXPECT_FALSE(EstimateOp(OneTile(), t, no_l1).ok());
}

TEST(Energy, MacEnergyFollowsTheDtype) {
  const ir::KPUConfig config = DefaultConfig();
  const ir::EnergyTable& t = config.energy();
  EXPECT_EQ(MacEnergyPj(t, ir::FLOAT32), t.mac_fp32_pj());
  EXPECT_EQ(MacEnergyPj(t, ir::BFLOAT16), t.mac_bf16_pj());
  EXPECT_EQ(MacEnergyPj(t, ir::FLOAT16), t.mac_fp16_pj());
  EXPECT_EQ(MacEnergyPj(t, ir::INT8), t.mac_int8_pj());
  // Narrower integers cost an int8 MAC (int4 once cost an fp32 one), wider ones an fp32 MAC.
  EXPECT_EQ(MacEnergyPj(t, ir::INT4), t.mac_int8_pj());
  EXPECT_EQ(MacEnergyPj(t, ir::INT32), t.mac_fp32_pj());
  Activity a;
  a.macs[ir::INT8] = 1000;
  a.macs[ir::FLOAT32] = 10;
  const Energy e = ComputeEnergy(a, 0, DefaultConfig());
  EXPECT_DOUBLE_EQ(e.compute_pj, 1000 * t.mac_int8_pj() + 10 * t.mac_fp32_pj());
  EXPECT_EQ(a.TotalMacs(), 1010u);
}

TEST(Link, CyclesFromTheConfigsBandwidth) {
  const ir::KPUConfig c = DefaultConfig();
  auto bpc = LinkBytesPerCycle(c, ir::EXTERNAL);
  ASSERT_TRUE(bpc.ok());
  EXPECT_DOUBLE_EQ(*bpc, LevelBytesPerCycle(c, *FindLevel(c, ir::EXTERNAL)));
  EXPECT_EQ(LinkCycles(0, *bpc), 0u);
  EXPECT_EQ(LinkCycles(1, *bpc), 1u);
  EXPECT_EQ(LinkOf(ir::L1, ir::EXTERNAL), ir::EXTERNAL);
  EXPECT_EQ(LinkOf(ir::REGISTER, ir::L1), ir::L1);
  EXPECT_FALSE(LinkBytesPerCycle(c, ir::REGISTER).ok());
}

TEST(Vector, LanesPerCycle) {
  EXPECT_EQ(VectorCycles(ElementWork(100, 4, 1), 16), 32u);  // 500 / 16 rounded up
  EXPECT_EQ(VectorCycles({0, 0}, 16), 0u);
}

// conv2d's row, called directly on a tile that is the whole tensor.
absl::StatusOr<ComputeCost> ConvTile(Shape x, Shape w, Shape out, int64_t groups, bool accumulate) {
  const ComputeCostTable& table = ComputeCosts();
  ir::KPUOp op;
  op.set_id("conv");
  (*op.mutable_attributes())["groups"].set_i(groups);
  ir::Compute compute;
  // The tile holds every group, so the Compute runs them all.
  (*compute.mutable_attributes())["groups"].set_i(groups);
  compute.set_type(ir::Compute::CONV2D_TILE);
  compute.set_function("conv2d");
  compute.set_accumulate(accumulate);
  compute.add_inputs()->set_tensor("x");
  compute.add_inputs()->set_tensor("w");
  const ShapeTable shapes = {{"x", x}, {"w", w}, {"y", out}};
  auto place = [](const Shape& s) {
    Place p;
    p.origin.assign(s.size(), 0);
    p.extent = s;
    p.stride.assign(s.size(), 1);
    p.tensor_shape = s;
    return p;
  };
  const std::vector<Place> inputs = {place(x), place(w)};
  const Place output = place(out);
  const ComputeTile tile{compute, op, shapes, inputs, output, ir::FLOAT32, Dataflow::kOutputStationary, {32, 32}, 16};
  return table.at("conv2d")(tile);
}

TEST(ComputeCosts, ConvTileIsItsIm2colGemmPerGroup) {
  // ResNet-18's conv1 on 32x32: SCALE-Sim's 163,855 plus the cycle it does not count.
  auto conv1 = ConvTile({1, 3, 229, 229}, {64, 3, 7, 7}, {1, 64, 112, 112}, 1, false);
  ASSERT_TRUE(conv1.ok()) << conv1.status();
  EXPECT_EQ(conv1->array_cycles, 163856u);
  EXPECT_EQ(conv1->macs, 112u * 112 * 64 * 147);
  // A later reduction tile of the same output tile streams without refilling the array.
  auto more = ConvTile({1, 3, 229, 229}, {64, 3, 7, 7}, {1, 64, 112, 112}, 1, true);
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->array_cycles, 784u * 147);
  // Depthwise: 32 GEMMs of (64 pixels, 1 filter, 9).
  auto dw = ConvTile({1, 32, 10, 10}, {32, 1, 3, 3}, {1, 32, 8, 8}, 32, false);
  ASSERT_TRUE(dw.ok()) << dw.status();
  EXPECT_EQ(dw->array_cycles, 32u * 2 * (9 + 62));
  EXPECT_EQ(dw->macs, 32u * 64 * 9);
  EXPECT_FALSE(ConvTile({1, 32, 10, 10}, {30, 1, 3, 3}, {1, 30, 8, 8}, 4, false).ok());
  EXPECT_FALSE(ConvTile({1, 3, 9, 9}, {64, 3, 7, 7}, {1, 60, 3, 3}, 1, false).ok());
}

TEST(ComputeCosts, TheCoreOpsHaveRows) {
  for (const char* op : {"matmul", "linear", "conv2d", "add", "relu", "softmax"}) EXPECT_TRUE(ComputeCosts().count(op)) << op;
}

TEST(RankDataflows, CostsEveryCandidateCheapestFirst) {
  ir::KPUConfig c = DefaultConfig();
  c.mutable_compute()->set_array_rows(32);
  c.mutable_compute()->set_array_cols(32);
  c.mutable_compute()->set_compute_tiles(1);
  // A long K favours OS (K streams through few folds); a long M favours WS.
  auto deep = RankDataflows({32, 32, 100000}, 1, 4, c);
  ASSERT_TRUE(deep.ok()) << deep.status();
  ASSERT_EQ(deep->size(), 3u);
  EXPECT_EQ(deep->front().dataflow, Dataflow::kOutputStationary);
  auto tall = RankDataflows({100000, 32, 32}, 1, 4, c);
  ASSERT_TRUE(tall.ok());
  EXPECT_EQ(tall->front().dataflow, Dataflow::kWeightStationary);
  for (const DataflowCandidate& cand : *tall) {
    auto expected = GemmComputeCycles({100000, 32, 32}, cand.dataflow, {32, 32});
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(cand.array_cycles, *expected);
    EXPECT_GE(cand.total_cycles, cand.compute_cycles);
  }
  for (size_t i = 1; i < tall->size(); ++i) EXPECT_LE((*tall)[i - 1].total_cycles, (*tall)[i].total_cycles);
  EXPECT_FALSE(RankDataflows({0, 1, 1}, 1, 4, c).ok());
  EXPECT_EQ(ToIr(FromIr(ir::INPUT_STATIONARY)), ir::INPUT_STATIONARY);
  EXPECT_EQ(FromIr(ir::DATAFLOW_UNSPECIFIED), Dataflow::kOutputStationary);
}

}  // namespace
}  // namespace kpu::cost
