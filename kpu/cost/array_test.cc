#include "kpu/cost/array.h"

#include <algorithm>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/cost/settings.h"

namespace kpu::cost {
namespace {

// An independent count of a GEMM's cycles on an R x C array: enumerate every fold (every
// R x C window of the spatial dimensions), and within it every PE and every streamed operand
// under a skewed wavefront, recording the last busy cycle. Operand t reaches PE (i, j) at cycle
// i + j + t (plus the R cycles that load the stationary operand, one array row per cycle, in WS
// and IS). The whole array is clocked in every fold, mapped or not, as in SCALE-Sim.
uint64_t BruteForceCycles(const Gemm& g, Dataflow d, int64_t rows, int64_t cols) {
  int64_t sr, sc, t;
  if (d == Dataflow::kOutputStationary) { sr = g.m; sc = g.n; t = g.k; }
  else if (d == Dataflow::kWeightStationary) { sr = g.k; sc = g.n; t = g.m; }
  else { sr = g.k; sc = g.m; t = g.n; }
  const int64_t preload = d == Dataflow::kOutputStationary ? 0 : rows;
  uint64_t total = 0;
  for (int64_t r0 = 0; r0 < sr; r0 += rows) {
    for (int64_t c0 = 0; c0 < sc; c0 += cols) {
      int64_t last = -1;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          for (int64_t k = 0; k < t; ++k) last = std::max(last, preload + i + j + k);
        }
      }
      total += static_cast<uint64_t>(last + 1);
    }
  }
  return total;
}

TEST(Array, MappingFollowsScaleSim) {
  const Gemm g{7, 11, 13};
  EXPECT_EQ(MapGemm(g, Dataflow::kOutputStationary).sr, 7);
  EXPECT_EQ(MapGemm(g, Dataflow::kOutputStationary).t, 13);
  EXPECT_EQ(MapGemm(g, Dataflow::kWeightStationary).sr, 13);
  EXPECT_EQ(MapGemm(g, Dataflow::kWeightStationary).sc, 11);
  EXPECT_EQ(MapGemm(g, Dataflow::kWeightStationary).t, 7);
  EXPECT_EQ(MapGemm(g, Dataflow::kInputStationary).sr, 13);
  EXPECT_EQ(MapGemm(g, Dataflow::kInputStationary).sc, 7);
  EXPECT_EQ(MapGemm(g, Dataflow::kInputStationary).t, 11);
}

TEST(Array, FormulasMatchBruteForceOnManyArrayShapes) {
  const std::vector<ArrayShape> arrays = {{8, 16}, {16, 8}, {32, 4}, {4, 32}, {1, 1}, {3, 5}, {16, 16}, {32, 32}, {128, 128}};
  const std::vector<Gemm> gemms = {{1, 1, 1}, {7, 9, 5}, {64, 64, 64}, {100, 33, 17}, {256, 128, 40}, {5, 300, 3}};
  for (const ArrayShape& a : arrays) {
    for (const Gemm& g : gemms) {
      for (Dataflow d : {Dataflow::kOutputStationary, Dataflow::kWeightStationary, Dataflow::kInputStationary}) {
        auto cycles = GemmComputeCycles(g, d, a);
        ASSERT_TRUE(cycles.ok()) << cycles.status();
        EXPECT_EQ(*cycles, BruteForceCycles(g, d, a.rows, a.cols))
            << DataflowShortName(d) << " " << a.rows << "x" << a.cols << " M" << g.m << " N" << g.n << " K" << g.k;
        auto reported = ScaleSimReportedCycles(g, d, a);
        ASSERT_TRUE(reported.ok());
        EXPECT_EQ(*reported + 1, *cycles);
      }
    }
  }
}

TEST(Array, TheIssuesGemm) {
  // M=256 K=2048 N=128 on 32x32: 8 x 4 folds of 2048 + 62 cycles.
  auto c = GemmComputeCycles({256, 128, 2048}, Dataflow::kOutputStationary, {32, 32});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, 67520u);
}

TEST(Array, NonSquareArraysAreNotTransposed) {
  // 64 rows of output on an 8-row array need 8 row folds; on a 16-row array, 4.
  auto tall = Folds(MapGemm({64, 16, 1}, Dataflow::kOutputStationary), {8, 16});
  auto wide = Folds(MapGemm({64, 16, 1}, Dataflow::kOutputStationary), {16, 8});
  ASSERT_TRUE(tall.ok() && wide.ok());
  EXPECT_EQ(*tall, 8u);
  EXPECT_EQ(*wide, 4u * 2);
}

TEST(Array, BadSizesAndOverflowAreErrors) {
  EXPECT_FALSE(GemmComputeCycles({0, 4, 4}, Dataflow::kOutputStationary, {4, 4}).ok());
  EXPECT_FALSE(GemmComputeCycles({4, 4, 4}, Dataflow::kOutputStationary, {0, 4}).ok());
  auto huge = GemmComputeCycles({int64_t{1} << 62, int64_t{1} << 62, 4}, Dataflow::kOutputStationary, {1, 1});
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.status().message(), ::testing::HasSubstr("overflows"));
}

TEST(Array, ConvAsGemm) {
  Conv c;
  c.channels = 3;
  c.height = c.width = 229;
  c.filters = 64;
  c.filter_h = c.filter_w = 7;
  c.stride_h = c.stride_w = 2;
  auto g = ConvAsGemm(c);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->out_h, 112);
  EXPECT_EQ(g->gemm.m, 112 * 112);
  EXPECT_EQ(g->gemm.n, 64);
  EXPECT_EQ(g->gemm.k, 147);
  EXPECT_EQ(g->count, 1);
  // Padding and dilation: 224 + 3 + 3 with a 7x7 window at stride 2 is the same 112x112.
  c.height = c.width = 224;
  c.pad_top = c.pad_left = c.pad_bottom = c.pad_right = 3;
  g = ConvAsGemm(c);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->out_w, 112);
  // Depthwise: one GEMM per channel, K = FH * FW.
  Conv dw;
  dw.batch = 2;
  dw.channels = dw.filters = dw.groups = 32;
  dw.height = dw.width = 10;
  dw.filter_h = dw.filter_w = 3;
  dw.dilation_h = dw.dilation_w = 2;
  g = ConvAsGemm(dw);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->count, 32);
  EXPECT_EQ(g->gemm.k, 9);
  EXPECT_EQ(g->gemm.n, 1);
  EXPECT_EQ(g->gemm.m, 2 * 6 * 6);
}

TEST(Array, ConvParametersThatMakeNoSenseAreErrors) {
  Conv c;
  c.channels = 6;
  c.height = c.width = 4;
  c.filters = 4;
  c.filter_h = c.filter_w = 5;
  EXPECT_THAT(ConvAsGemm(c).status().message(), ::testing::HasSubstr("larger than the padded input"));
  c.filter_h = c.filter_w = 3;
  c.groups = 4;
  EXPECT_THAT(ConvAsGemm(c).status().message(), ::testing::HasSubstr("groups (4) must divide"));
  c.groups = 1;
  c.stride_w = 0;
  EXPECT_THAT(ConvAsGemm(c).status().message(), ::testing::HasSubstr("stride width must be positive"));
}

TEST(Settings, ScaleSimCountsFromZero) {
  const GroupedGemm layer{{256, 128, 256}, 1};
  auto native = LayerComputeCycles(layer, Dataflow::kOutputStationary, {32, 32}, CostSettings::Native());
  auto compat = LayerComputeCycles(layer, Dataflow::kOutputStationary, {32, 32}, CostSettings::ScaleSim());
  ASSERT_TRUE(native.ok() && compat.ok());
  EXPECT_EQ(*native, 10176u);
  EXPECT_EQ(*compat, 10175u);
  EXPECT_EQ(CostSettings::ScaleSim().element_bytes, 1u);
  EXPECT_FALSE(SettingsByName("fast").ok());
  EXPECT_TRUE(SettingsByName("scalesim").ok());
}

}  // namespace
}  // namespace kpu::cost
