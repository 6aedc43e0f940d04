// Decision 10: the compiler's estimates in a program are the analytical mode's results. Every op's
// estimated cycles and energy equal the analytical per-op metrics, and the program's totals and
// hints equal the metrics' totals, for the test graphs on every preset.
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/sim/analytical_model.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

ir::Graph Gemm(int64_t m, int64_t n, int64_t k) {
  ir::Graph g;
  g.set_name("gemm");
  testing::AddInput(&g, "A", {m, k});
  testing::AddInput(&g, "B", {k, n});
  testing::AddNode(&g, "matmul", {"A", "B"}, "C");
  g.add_outputs("C");
  return g;
}

// A bmm whose B has batches of its own, broadcast against A's: no B stays resident.
ir::Graph BroadcastBmm() {
  ir::Graph g;
  g.set_name("bmm");
  testing::AddInput(&g, "A", {2, 1, 40, 70});
  testing::AddInput(&g, "B", {3, 70, 37});
  testing::AddNode(&g, "matmul", {"A", "B"}, "C");
  g.add_outputs("C");
  return g;
}

ir::Graph BatchedSoftmax() {
  ir::Graph g;
  g.set_name("softmax");
  testing::AddInput(&g, "x", {3, 40, 300});
  testing::AddInput(&g, "y", {3, 40, 300});
  testing::AddNode(&g, "add", {"x", "y"}, "s");
  testing::AddNode(&g, "relu", {"s"}, "r");
  testing::AddNode(&g, "softmax", {"r"}, "p");
  g.add_outputs("p");
  return g;
}

void ExpectAgreement(const ir::Graph& graph, const std::string& preset,
                     ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED) {
  SCOPED_TRACE(graph.name() + " on " + preset + ", " + ir::Dataflow_Name(dataflow));
  auto config = PresetConfig(preset);
  ASSERT_TRUE(config.ok());
  compiler::CompileOptions options;
  options.dataflow = dataflow;
  auto program = compiler::Compile(graph, *config, options);
  ASSERT_TRUE(program.ok()) << program.status();
  const ir::KPUProgram& p = program->proto;
  auto m = sim::EstimateProgram(p, *config);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->op_metrics_size(), p.operations().ops_size());
  for (int i = 0; i < m->op_metrics_size(); ++i) {
    const ir::KPUOp& op = p.operations().ops(i);
    EXPECT_EQ(op.estimated_cycles(), m->op_metrics(i).cycles()) << op.id();
    EXPECT_DOUBLE_EQ(op.estimated_energy_pj(), m->op_metrics(i).energy_pj()) << op.id();
    // A reshape is an alias of its input: no work, no cycles.
    if (op.op_type() != "reshape") EXPECT_GT(op.estimated_cycles(), 0u) << op.id();
  }
  EXPECT_EQ(p.metadata().estimated_total_cycles(), m->total_cycles());
  EXPECT_EQ(p.hints().estimated_compute_cycles(), m->compute_cycles());
  EXPECT_EQ(p.hints().estimated_dram_bytes(), m->dram_reads_bytes() + m->dram_writes_bytes());
  EXPECT_EQ(p.hints().total_macs(), m->total_macs());
  EXPECT_NEAR(p.metadata().estimated_total_energy_uj(), m->total_energy_uj(), 1e-9 * m->total_energy_uj());
}

class EstimateAgreement : public ::testing::TestWithParam<std::string> {};

TEST_P(EstimateAgreement, MnistMlp) {
  ExpectAgreement(testing::MnistMlp(1), GetParam());
  ExpectAgreement(testing::MnistMlp(64), GetParam());
}

TEST_P(EstimateAgreement, VectorOps) { ExpectAgreement(BatchedSoftmax(), GetParam()); }

TEST_P(EstimateAgreement, Gemms) {
  ExpectAgreement(Gemm(256, 128, 2048), GetParam());
  ExpectAgreement(Gemm(100, 37, 300), GetParam());
}

// Forced weight- and input-stationary kernels (partial sums in L1, stationary parts moved into
// the array) are estimated alike by the compiler and the analytical mode.
TEST_P(EstimateAgreement, EveryDataflow) {
  for (ir::Dataflow d : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
    ExpectAgreement(testing::MnistMlp(16), GetParam(), d);
    ExpectAgreement(Gemm(100, 37, 300), GetParam(), d);
    ExpectAgreement(BroadcastBmm(), GetParam(), d);
    ExpectAgreement(testing::SmallCnn(2), GetParam(), d);
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, EstimateAgreement, ::testing::ValuesIn(PresetNames()));

// The numbers: a 2048^3 GEMM's DRAM hint was 50 MB where the simulator counted 570 MB.
TEST(EstimateAgreement, LargeGemmDramHintIsTheSimulatorsCount) {
  ExpectAgreement(Gemm(2048, 2048, 2048), kDefaultConfigName);
}

}  // namespace
}  // namespace kpu
