#include "kpu/compiler/tiling.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"
#include "kpu/compiler/compiler.h"
#include "kpu/cost/dataflow.h"
#include "kpu/cost/op_cost.h"
#include "kpu/ir/errors.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

TEST(Tiling, MatmulTilesFitL1AndAlignToTheArray) {
  const ir::KPUConfig c = DefaultConfig();
  for (int64_t m : {1, 16, 100, 1024}) {
    for (int64_t n : {10, 64, 128, 1000}) {
      for (int64_t k : {64, 784, 4096}) {
        auto t = ChooseMatmulTiling(m, n, k, 1, 4, true, c, "mm");
        ASSERT_TRUE(t.ok()) << m << "x" << n << "x" << k << ": " << t.status();
        EXPECT_LE(t->l1_bytes, L1Capacity(c));
        EXPECT_LE(t->staging_bytes, StagingCapacity(c));
        EXPECT_TRUE(t->tm == m || t->tm % 16 == 0) << t->tm;
        EXPECT_TRUE(t->tn == n || t->tn % 16 == 0) << t->tn;
        EXPECT_LE(t->tk, k);
      }
    }
  }
}

TEST(Tiling, SmallMatmulReadsEachOperandFromDramOnce) {
  auto t = ChooseMatmulTiling(16, 128, 784, 1, 4, true, DefaultConfig(), "fc1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->estimated_dram_bytes, 4u * (16 * 784 + 784 * 128 + 128 + 16 * 128));
  EXPECT_EQ(t->tm, 16);
  // Many row tiles: only keeping B resident in L2 avoids re-reading the weights per row tile.
  auto big = ChooseMatmulTiling(4096, 128, 784, 1, 4, true, DefaultConfig(), "fc1");
  ASSERT_TRUE(big.ok());
  EXPECT_TRUE(big->b_resident);
}

// The tiler prices a candidate as cost::EstimateOp will price the DFX lowered from it, in every
// dataflow.
TEST(Tiling, EstimateIsTheCostModelsEstimateOfTheLoweredKernel) {
  for (ir::Dataflow dataflow : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY})
  for (const std::string& preset : PresetNames()) {
    const ir::KPUConfig c = *PresetConfig(preset);
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{16, 128, 784}, {300, 70, 129}, {1024, 512, 256}}) {
      ir::Graph g;
      testing::AddInput(&g, "A", {m, k});
      testing::AddInput(&g, "B", {k, n});
      testing::AddNode(&g, "matmul", {"A", "B"}, "C");
      g.add_outputs("C");
      CompileOptions options;
      options.dataflow = dataflow;
      auto program = Compile(g, c, options);
      ASSERT_TRUE(program.ok()) << program.status();
      const ir::KPUOp& op = program->proto.operations().ops(0);
      auto t = ChooseMatmulTiling(m, n, k, 1, 4, false, c, "mm", cost::FromIr(dataflow));
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(op.tiling().tile_sizes().at("M"), t->tm);
      auto cost = cost::EstimateOp(op, cost::TensorsOf(program->proto.tensors()), c);
      ASSERT_TRUE(cost.ok()) << cost.status();
      const std::string what = ir::Dataflow_Name(dataflow) + " " + preset + " " + std::to_string(m) + "x" +
                               std::to_string(n) + "x" + std::to_string(k);
      EXPECT_EQ(t->estimated_cycles, cost->total_cycles) << what;
      EXPECT_EQ(t->estimated_dram_bytes, cost->dram_bytes()) << what;
    }
  }
}

// Once the array hides the memory traffic, time alone would pick tiny tiles that re-read the
// operands from DRAM many times; the energy term keeps the traffic near its minimum.
TEST(Tiling, ComputeBoundGemmDoesNotBuyCyclesWithDramTraffic) {
  // 2048 x 2048 x 64 on the default 16x16 array: 16,384 folds keep the array busy for 1.5 M
  // cycles, time enough to stream the operands 16-fold from DRAM. Time alone would take the
  // smallest tiles (the shortest prologue) and read A and B 128 times.
  const int64_t m = 2048, n = 2048, k = 64;
  auto t = ChooseMatmulTiling(m, n, k, 1, 4, false, DefaultConfig(), "big");
  ASSERT_TRUE(t.ok());
  const uint64_t once = 4ull * (m * k + k * n + m * n);
  EXPECT_LT(t->estimated_dram_bytes, 2 * once) << t->tm << "x" << t->tn << "x" << t->tk;
  auto array = cost::GemmComputeCycles({m, n, k}, cost::Dataflow::kOutputStationary, {16, 16});
  ASSERT_TRUE(array.ok());
  EXPECT_GE(t->estimated_cycles, *array / DefaultConfig().compute().compute_tiles());
}

TEST(Tiling, TooSmallL1IsAMemoryError) {
  const ir::KPUConfig c = testing::WithL1Bytes(DefaultConfig(), 1024);
  auto t = ChooseMatmulTiling(64, 64, 64, 1, 4, false, c, "mm");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(KindOf(t.status()), ErrorKind::kMemoryExceeded);
  EXPECT_THAT(t.status().message(), ::testing::HasSubstr("SRAM memory exceeded: "));
  EXPECT_THAT(t.status().message(), ::testing::HasSubstr("1KB available"));
}

TEST(Tiling, RowTilingKeepsRowsWhole) {
  auto t = ChooseRowTiling({4096, 10000}, {false, true}, 4, 2, 2, DefaultConfig(), "softmax");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->tile[1], 10000);
  EXPECT_LE(t->l1_bytes, L1Capacity(DefaultConfig()));
  EXPECT_GE(t->tile[0], 1);
  auto too_wide = ChooseRowTiling({2, 1 << 20}, {false, true}, 4, 2, 2, DefaultConfig(), "softmax");
  EXPECT_EQ(KindOf(too_wide.status()), ErrorKind::kMemoryExceeded);
  // Along the leading axis, the trailing dimensions split instead.
  auto leading = ChooseRowTiling({50, 100000}, {true, false}, 4, 2, 2, DefaultConfig(), "softmax");
  ASSERT_TRUE(leading.ok());
  EXPECT_EQ(leading->tile[0], 50);
  EXPECT_LT(leading->tile[1], 100000);
}

}  // namespace
}  // namespace kpu::compiler
