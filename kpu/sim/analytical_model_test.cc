#include "kpu/sim/analytical_model.h"

#include <cmath>

#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"
#include "kpu/cost/array.h"
#include "kpu/cost/op_cost.h"

namespace kpu::sim {
namespace {

ir::TensorRegion Whole(const std::string& t, ir::MemoryLevel level, std::vector<int64_t> shape) {
  ir::TensorRegion r;
  r.set_tensor(t);
  r.set_level(level);
  for (int64_t d : shape) r.add_dims()->set_extent(d);
  return r;
}

void AddTensor(ir::KPUProgram* p, const std::string& name, std::vector<int64_t> shape) {
  auto* t = p->mutable_tensors()->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  for (int64_t d : shape) t->add_shape(d);
}

// One 16x64 by 64x16 tile: loads A and B from DRAM into L1, multiplies, stores C.
ir::KPUProgram OneTile() {
  ir::KPUProgram p;
  AddTensor(&p, "A", {16, 64});
  AddTensor(&p, "B", {64, 16});
  AddTensor(&p, "C", {16, 16});
  ir::KPUOp* op = p.mutable_operations()->add_ops();
  op->set_id("mm");
  op->set_op_type("matmul");
  for (auto [t, s] : {std::pair<std::string, std::vector<int64_t>>{"A", {16, 64}}, {"B", {64, 16}}}) {
    auto* move = op->add_dfx()->mutable_data_move();
    *move->mutable_source() = Whole(t, ir::EXTERNAL, s);
    *move->mutable_destination() = Whole(t, ir::L1, s);
  }
  auto* c = op->add_dfx()->mutable_compute();
  c->set_type(ir::Compute::MATMUL_TILE);
  c->set_function("matmul");
  *c->add_inputs() = Whole("A", ir::L1, {16, 64});
  *c->add_inputs() = Whole("B", ir::L1, {64, 16});
  *c->mutable_output() = Whole("C", ir::REGISTER, {16, 16});
  auto* store = op->add_dfx()->mutable_data_move();
  store->set_type(ir::DataMove::STORE);
  *store->mutable_source() = Whole("C", ir::REGISTER, {16, 16});
  *store->mutable_destination() = Whole("C", ir::EXTERNAL, {16, 16});
  return p;
}

TEST(AnalyticalModel, OneTileByHand) {
  const ir::KPUConfig config = DefaultConfig();
  auto m = EstimateProgram(OneTile(), config);
  ASSERT_TRUE(m.ok()) << m.status();
  // One fold of K + R + C - 2 = 64 + 30 cycles.
  EXPECT_EQ(m->compute_cycles(), 94u);
  EXPECT_EQ(m->dram_reads_bytes(), 4u * (16 * 64 + 64 * 16));
  EXPECT_EQ(m->dram_writes_bytes(), 4u * 16 * 16);
  // The first tiles come in (2 x 4 KB at 100 B/cycle) before the first MAC and the result goes
  // out (1 KB) after the last: neither hides behind the 94 cycles of compute.
  const uint64_t prologue = 2 * 41, epilogue = 11;
  EXPECT_EQ(m->total_cycles(), prologue + 94 + epilogue);
  EXPECT_EQ(m->memory_stall_cycles(), m->total_cycles() - 94);
  EXPECT_EQ(m->total_macs(), 16u * 16 * 64);
  const double pj = 16 * 16 * 64 * config.energy().mac_fp32_pj() +
                    8192 * (12.0 + 0.2) + 1024 * 12.0 +
                    config.energy().static_power_w() * m->total_cycles() * 1e-9 * 1e12;
  EXPECT_NEAR(m->total_energy_uj(), pj * 1e-6, 1e-9);
  EXPECT_NEAR(m->compute_utilization(), 16.0 * 16 * 64 / (m->total_cycles() * 256.0), 1e-12);
}

TEST(AnalyticalModel, OutputStationaryFoldsMatchScaleSimFormula) {
  const cost::ArrayShape a{16, 16};
  EXPECT_EQ(*cost::GemmComputeCycles({16, 16, 100}, cost::Dataflow::kOutputStationary, a), 130u);
  EXPECT_EQ(*cost::GemmComputeCycles({17, 16, 100}, cost::Dataflow::kOutputStationary, a), 260u);
  EXPECT_EQ(*cost::GemmComputeCycles({32, 48, 10}, cost::Dataflow::kOutputStationary, a), 6u * 40);
}

TEST(AnalyticalModel, MetricsAreTheSumOfTheCostModelsOps) {
  const ir::KPUConfig config = DefaultConfig();
  ir::KPUProgram p = OneTile();
  *p.mutable_operations()->add_ops() = p.operations().ops(0);
  p.mutable_operations()->mutable_ops(1)->set_id("mm2");
  auto m = EstimateProgram(p, config);
  ASSERT_TRUE(m.ok()) << m.status();
  auto one = cost::EstimateOp(p.operations().ops(0), cost::TensorsOf(p.tensors()), config);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(m->op_metrics_size(), 2);
  EXPECT_EQ(m->op_metrics(1).cycles(), one->total_cycles);
  EXPECT_EQ(m->total_cycles(), 2 * one->total_cycles);
  EXPECT_EQ(m->dram_reads_bytes() + m->dram_writes_bytes(), 2 * one->dram_bytes());
  EXPECT_NEAR(m->total_energy_uj(), 2 * one->energy.total_pj() * 1e-6, 1e-12);
}

TEST(AnalyticalModel, UnknownLevelInProgramIsAnError) {
  ir::KPUConfig c = DefaultConfig();
  c.mutable_memory()->RemoveLast();  // drop L1
  auto m = EstimateProgram(OneTile(), c);
  EXPECT_FALSE(m.ok());
}

}  // namespace
}  // namespace kpu::sim
