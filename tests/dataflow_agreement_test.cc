// Decision 2 for the weight- and input-stationary lowerings: with the dataflow forced, every matmul
// path (row and column tiles, several folds, K split, batched, bias and activation epilogues) and
// every conv variant the CNNs use, on arrays of several shapes and on a small L1, run tile by tile
// in the interpreter (the stationary operand's parts in REGISTER, partial sums in L1) gives what
// the fast path and a plain reference give; the reordered interpreter gives identical values.
// (Output stationary, the default, has the same checks in interpreter_agreement_test.cc.)
#include <string>

#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/testing/agreement.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using testing::AddConstant;
using testing::AddInput;
using testing::AddNode;
using testing::CompileAndRunAll;
using testing::ExpectClose;
using testing::MatmulRef;
using testing::RandomValues;
using testing::RunResult;

class DataflowAgreement : public ::testing::TestWithParam<ir::Dataflow> {
 protected:
  RunResult Run(const ir::Graph& g, const ir::KPUConfig& config, const std::vector<std::vector<float>>& inputs,
                const std::string& what) {
    RunResult r = CompileAndRunAll(g, config, inputs, GetParam());
    EXPECT_FALSE(r.dataflows.empty()) << what;
    for (ir::Dataflow d : r.dataflows) EXPECT_EQ(d, GetParam()) << what << ": the forced dataflow is not used";
    return r;
  }
};

ir::KPUConfig Preset(const std::string& name) { return *PresetConfig(name); }
ir::KPUConfig SmallL1() { return testing::WithL1Bytes(Preset("minimal"), 16 * 1024); }

TEST_P(DataflowAgreement, MatmulShapesAndConfigs) {
  struct Case {
    int64_t m, k, n;
    std::string config;
  };
  // One fold; ragged tiles; several folds per tile; K split in L1; wide N.
  for (const Case& c : {Case{1, 784, 128, "swkpu-v1"}, Case{16, 784, 128, "swkpu-v1"}, Case{37, 300, 50, "minimal"},
                        Case{200, 1500, 96, "minimal"}, Case{64, 2048, 40, "edge_ai"}, Case{5, 7, 3, "datacenter"},
                        Case{70, 900, 150, "small-l1"}}) {
    ir::Graph g;
    AddInput(&g, "a", {c.m, c.k});
    const auto b = RandomValues(c.k * c.n, 0.1f, 3), bias = RandomValues(c.n, 0.1f, 4), a = RandomValues(c.m * c.k, 1.0f, 5);
    AddConstant(&g, "b", {c.k, c.n}, b);
    AddConstant(&g, "bias", {c.n}, bias);
    ir::Node* mm = AddNode(&g, "matmul", {"a", "b", "bias"}, "y");
    (*mm->mutable_attributes())["activation"].set_s("relu");
    g.add_outputs("y");
    const std::string what = std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n) + " on " + c.config;
    RunResult r = Run(g, c.config == "small-l1" ? SmallL1() : Preset(c.config), {a}, what);
    const auto ref = MatmulRef(a, b, bias, c.m, c.k, c.n, true);
    ExpectClose(r.fast, ref, what + " fast");
    ExpectClose(r.interpreted, ref, what + " interpreted");
    EXPECT_EQ(r.metrics.total_macs(), static_cast<uint64_t>(c.m * c.k * c.n)) << what;
  }
}

TEST_P(DataflowAgreement, BatchedMatmulWithActivationInputs) {
  ir::Graph g;
  AddInput(&g, "a", {3, 20, 70});
  AddInput(&g, "b", {70, 33});
  AddNode(&g, "matmul", {"a", "b"}, "y");
  g.add_outputs("y");
  const auto a = RandomValues(3 * 20 * 70, 1.0f, 7), b = RandomValues(70 * 33, 1.0f, 8);
  for (const std::string config : {"minimal", "swkpu-v1"}) {
    RunResult r = Run(g, Preset(config), {a, b}, config);
    ExpectClose(r.fast, MatmulRef(a, b, {}, 60, 70, 33, false), "fast on " + config);
    ExpectClose(r.interpreted, r.fast, "interpreted on " + config);
  }
}

TEST_P(DataflowAgreement, BroadcastBatchedMatmul) {
  for (const auto& [as, bs] : testing::BroadcastMatmulShapes()) {
    ir::Graph g;
    AddInput(&g, "a", as);
    AddInput(&g, "b", bs);
    AddNode(&g, "matmul", {"a", "b"}, "y");
    g.add_outputs("y");
    const auto a = RandomValues(NumElements(as), 1.0f, 17), b = RandomValues(NumElements(bs), 1.0f, 18);
    Shape out;
    const auto ref = testing::BatchedMatmulRef(a, as, b, bs, &out);
    for (const std::string config : {"minimal", "swkpu-v1"}) {
      const std::string what = FormatShape(as) + " x " + FormatShape(bs) + " on " + config;
      RunResult r = Run(g, Preset(config), {a, b}, what);
      ExpectClose(r.fast, ref, what + " fast");
      ExpectClose(r.interpreted, ref, what + " interpreted");
    }
  }
}

TEST_P(DataflowAgreement, Conv2dVariants) {
  for (const testing::ConvCase& c : testing::ConvVariants()) {
    for (const std::string config : {"minimal", "swkpu-v1", "datacenter", "small-l1"}) {
      std::vector<std::vector<float>> feeds;
      std::vector<float> ref;
      const ir::Graph g = testing::ConvCaseGraph(c, &feeds, &ref);
      const std::string what = c.what + " on " + config;
      RunResult r = Run(g, config == "small-l1" ? SmallL1() : Preset(config), feeds, what);
      // The window and weight parts in L1 and REGISTER were channels-innermost (ConvTileLayout).
      EXPECT_GT(testing::NhwcRegions(r.program), 0) << what;
      ExpectClose(r.fast, ref, what + " fast");
      ExpectClose(r.interpreted, ref, what + " interpreted");
      EXPECT_EQ(r.metrics.total_macs(), ref.size() * c.w[1] * c.w[2] * c.w[3]) << what;
    }
  }
}

// A small CNN end to end (conv, BN folded, residual, pooling, linear) in one forced dataflow.
TEST_P(DataflowAgreement, SmallCnn) {
  for (const std::string preset : {"minimal", "swkpu-v1"}) {
    const auto x = RandomValues(2 * 3 * 16 * 16, 1.0f, 41);
    RunResult forced = Run(testing::SmallCnn(2), Preset(preset), {x}, preset);
    RunResult os = CompileAndRunAll(testing::SmallCnn(2), Preset(preset), {x}, ir::OUTPUT_STATIONARY, false);
    ExpectClose(forced.interpreted, forced.fast, preset + " interpreted");
    ExpectClose(forced.fast, os.fast, preset + " against output stationary");
  }
}

INSTANTIATE_TEST_SUITE_P(Forced, DataflowAgreement,
                         ::testing::Values(ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY),
                         [](const ::testing::TestParamInfo<ir::Dataflow>& info) {
                           return ir::Dataflow_Name(info.param);
                         });

}  // namespace
}  // namespace kpu
