// Decision 10: the compiler's estimates in a program are the analytical mode's results. Every op's
// estimated cycles, energy and MACs equal the analytical per-op metrics, and the program's totals
// and hints equal the metrics' totals, for the test graphs and for every registry op's sample
// graph (kpu/testing/op_samples.h) on every preset.
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/op_registry.h"
#include "kpu/sim/analytical_model.h"
#include "kpu/testing/op_samples.h"
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

// A decoder-like chain of the window ops: conv_transpose2d, a non-integer bilinear resize, avg
// pooling whose border divisors differ, adaptive pooling.
ir::Graph WindowOps() {
  ir::Graph g;
  g.set_name("window_ops");
  testing::AddInput(&g, "x", {1, 16, 20, 20});
  testing::AddConstant(&g, "w", {16, 8, 4, 4}, testing::RandomValues(16 * 8 * 16, 0.2f, 3));
  testing::AddConstant(&g, "b", {8}, testing::RandomValues(8, 0.2f, 4));
  auto ints = [](ir::Node* n, const std::string& name, std::vector<int64_t> v) {
    for (int64_t i : v) (*n->mutable_attributes())[name].mutable_ints()->add_values(i);
  };
  ir::Node* up = testing::AddNode(&g, "conv_transpose2d", {"x", "w", "b"}, "u");
  ints(up, "stride", {2, 2});
  ints(up, "padding", {1, 1});
  ir::Node* resize = testing::AddNode(&g, "upsample_bilinear2d", {"u"}, "r");
  ints(resize, "output_size", {61, 59});
  ir::Node* pool = testing::AddNode(&g, "avg_pool2d", {"r"}, "p");
  ints(pool, "kernel", {3, 3});
  ints(pool, "stride", {2, 2});
  ints(pool, "padding", {1, 1});
  (*pool->mutable_attributes())["ceil_mode"].set_i(1);
  (*pool->mutable_attributes())["count_include_pad"].set_i(0);
  ir::Node* head = testing::AddNode(&g, "adaptive_avg_pool2d", {"p"}, "y");
  ints(head, "output_size", {7, 5});
  g.add_outputs("y");
  return g;
}

// `graph` with its ops reading and writing activations instead of the caller's buffers: every
// graph input x becomes relu(x_in), every output y is read by relu(y) -> y_out. With residency
// the op's operands and results may then live in homes on chip.
ir::Graph BetweenRelus(const ir::Graph& graph) {
  ir::Graph g = graph;
  g.set_name(graph.name() + " between relus");
  g.clear_inputs();
  g.clear_outputs();
  for (const std::string& x : graph.inputs()) {
    std::vector<int64_t> shape;
    for (ir::Tensor& t : *g.mutable_tensors()) {
      if (t.name() != x) continue;
      // x is produced now: its type is inferred.
      shape.assign(t.shape().begin(), t.shape().end());
      t.clear_shape();
      t.set_dtype(ir::DTYPE_UNSPECIFIED);
    }
    testing::AddInput(&g, x + "_in", shape);
    testing::AddNode(&g, "relu", {x + "_in"}, x);
  }
  for (const std::string& y : graph.outputs()) {
    testing::AddNode(&g, "relu", {y}, y + "_out");
    g.add_outputs(y + "_out");
  }
  return g;
}

// Compiles `graph` and checks its estimates against the analytical mode's; returns the program
// (empty when compiling failed).
Program ExpectAgreementOn(const ir::Graph& graph, const ir::KPUConfig& config, const std::string& label,
                          ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED) {
  SCOPED_TRACE(graph.name() + " on " + label + ", " + ir::Dataflow_Name(dataflow));
  compiler::CompileOptions options;
  options.dataflow = dataflow;
  auto program = compiler::Compile(graph, config, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (!program.ok()) return {};
  const ir::KPUProgram& p = program->proto;
  auto m = sim::EstimateProgram(p, config);
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return *program;
  EXPECT_EQ(m->op_metrics_size(), p.operations().ops_size());
  if (m->op_metrics_size() != p.operations().ops_size()) return *program;
  for (int i = 0; i < m->op_metrics_size(); ++i) {
    const ir::KPUOp& op = p.operations().ops(i);
    const ir::OpMetrics& om = m->op_metrics(i);
    EXPECT_EQ(op.id(), om.op_id());
    EXPECT_EQ(op.estimated_cycles(), om.cycles()) << op.id();
    EXPECT_DOUBLE_EQ(op.estimated_energy_pj(), om.energy_pj()) << op.id();
    EXPECT_EQ(op.macs(), om.macs()) << op.id();
    // The candidate the op runs in carries the same estimate.
    for (const ir::DataflowCandidate& c : op.dataflow_candidates()) {
      if (c.chosen()) {
        EXPECT_EQ(c.estimated_cycles(), om.cycles()) << op.id();
        EXPECT_DOUBLE_EQ(c.estimated_energy_pj(), om.energy_pj()) << op.id();
      }
    }
    // A reshape is an alias of its input: no work, no cycles.
    if (op.op_type() != "reshape") {
      EXPECT_GT(op.estimated_cycles(), 0u) << op.id();
    }
  }
  EXPECT_EQ(p.metadata().estimated_total_cycles(), m->total_cycles());
  EXPECT_EQ(p.hints().estimated_compute_cycles(), m->compute_cycles());
  EXPECT_EQ(p.hints().estimated_dram_bytes(), m->dram_reads_bytes() + m->dram_writes_bytes());
  EXPECT_EQ(p.hints().total_macs(), m->total_macs());
  EXPECT_NEAR(p.metadata().estimated_total_energy_uj(), m->total_energy_uj(), 1e-9 * m->total_energy_uj());
  return *program;
}

Program ExpectAgreement(const ir::Graph& graph, const std::string& preset,
                        ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED) {
  auto config = PresetConfig(preset);
  EXPECT_TRUE(config.ok());
  if (!config.ok()) return {};
  return ExpectAgreementOn(graph, *config, preset, dataflow);
}

class EstimateAgreement : public ::testing::TestWithParam<std::string> {};

TEST_P(EstimateAgreement, MnistMlp) {
  ExpectAgreement(testing::MnistMlp(1), GetParam());
  ExpectAgreement(testing::MnistMlp(64), GetParam());
}

TEST_P(EstimateAgreement, VectorOps) { ExpectAgreement(BatchedSoftmax(), GetParam()); }

// Window ops in bands, pieces and partial sums, on the preset and on an L1 small enough to split
// every one of them.
TEST_P(EstimateAgreement, WindowOps) {
  ExpectAgreement(WindowOps(), GetParam());
  auto config = PresetConfig(GetParam());
  ASSERT_TRUE(config.ok());
  ExpectAgreementOn(WindowOps(), testing::WithL1Bytes(*config, 8 * 1024), GetParam() + " with an 8 KB L1");
}

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

// Every registry op, alone on the caller's buffers and between other ops (activations that may be
// homed on chip); an op with a dataflow choice in every forced dataflow as well. A new op cannot
// escape: it needs a sample in kpu/testing/op_samples.cc.
TEST_P(EstimateAgreement, EveryRegistryOp) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    const ir::Graph* sample = testing::OpSample(op);
    if (sample == nullptr) {
      ADD_FAILURE() << "op '" << op << "' has no sample graph: add one to kpu/testing/op_samples.cc";
      continue;
    }
    const Program program = ExpectAgreement(*sample, GetParam());
    ExpectAgreement(BetweenRelus(*sample), GetParam());
    bool has_dataflow_choice = false;
    for (const ir::KPUOp& o : program.proto.operations().ops()) has_dataflow_choice |= o.dataflow_candidates_size() > 0;
    if (!has_dataflow_choice) continue;
    for (ir::Dataflow d : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
      ExpectAgreement(*sample, GetParam(), d);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, EstimateAgreement, ::testing::ValuesIn(PresetNames()));

// The numbers: a 2048^3 GEMM's DRAM hint was 50 MB where the simulator counted 570 MB.
TEST(EstimateAgreement, LargeGemmDramHintIsTheSimulatorsCount) {
  ExpectAgreement(Gemm(2048, 2048, 2048), kDefaultConfigName);
}

}  // namespace
}  // namespace kpu
