// The SCALE-Sim compatibility setting of kpu/cost against the real SCALE-Sim 3.0.0 reports in
// tests/golden/scalesim-3.0.0: ResNet-18's 20 conv layers and a GEMM on a 32x32 array, output-,
// weight- and input-stationary. Every layer's compute cycles must equal SCALE-Sim's
// `Total Cycles` exactly (SCALE-Sim numbers cycles from 0, so its figure is one less than
// folds * cycles per fold; the setting counts the same way).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "kpu/compiler/import/scalesim_topology.h"
#include "kpu/cost/settings.h"

namespace kpu {
namespace {

std::string GoldenPath(const std::string& rel) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::string(srcdir ? srcdir : ".") + "/kpu/tests/golden/scalesim-3.0.0/" + rel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The `Total Cycles` column of a COMPUTE_REPORT, in layer order.
std::vector<uint64_t> ReportTotals(const std::string& file) {
  std::vector<uint64_t> out;
  std::vector<std::string> lines = absl::StrSplit(ReadFile(GoldenPath("reports/" + file)), '\n', absl::SkipWhitespace());
  EXPECT_GT(lines.size(), 1u);
  std::vector<std::string> header = absl::StrSplit(lines[0], ',');
  int column = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::StripAsciiWhitespace(header[i]) == "Total Cycles") column = static_cast<int>(i);
  }
  EXPECT_GE(column, 0) << file << " has no 'Total Cycles' column";
  for (size_t l = 1; l < lines.size() && column >= 0; ++l) {
    std::vector<std::string> fields = absl::StrSplit(lines[l], ',');
    uint64_t v = 0;
    EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(fields.at(column)), &v)) << lines[l];
    EXPECT_EQ(fields.at(0), std::to_string(l - 1)) << "layer ids in order";
    out.push_back(v);
  }
  return out;
}

struct GoldenRun {
  std::string topology, report_prefix;
  std::string dataflow;
  uint64_t expected_total;  // the README's sum, a check on the parsing itself
};

class ScaleSimGolden : public ::testing::TestWithParam<GoldenRun> {};

TEST_P(ScaleSimGolden, EveryLayerMatchesTotalCycles) {
  const GoldenRun& run = GetParam();
  auto topo = compiler::ParseScaleSimTopology(ReadFile(GoldenPath("topologies/" + run.topology)), run.topology);
  ASSERT_TRUE(topo.ok()) << topo.status();
  const std::vector<uint64_t> golden = ReportTotals(run.report_prefix + "_32x32_" + run.dataflow + "_COMPUTE_REPORT.csv");
  ASSERT_EQ(golden.size(), topo->layers.size());
  auto dataflow = cost::ParseDataflow(run.dataflow);
  ASSERT_TRUE(dataflow.ok());
  uint64_t sum = 0, golden_sum = 0;
  for (size_t i = 0; i < golden.size(); ++i) {
    auto gemm = compiler::LayerGemm(*topo, topo->layers[i]);
    ASSERT_TRUE(gemm.ok()) << gemm.status();
    auto cycles = cost::LayerComputeCycles(*gemm, *dataflow, {32, 32}, cost::CostSettings::ScaleSim());
    ASSERT_TRUE(cycles.ok()) << cycles.status();
    EXPECT_EQ(*cycles, golden[i]) << run.topology << " " << run.dataflow << " layer " << topo->layers[i].name;
    // The quirk: natively the layer takes one cycle more.
    auto native = cost::LayerComputeCycles(*gemm, *dataflow, {32, 32}, cost::CostSettings::Native());
    ASSERT_TRUE(native.ok());
    EXPECT_EQ(*native, golden[i] + 1);
    sum += *cycles;
    golden_sum += golden[i];
  }
  EXPECT_EQ(golden_sum, run.expected_total);
  EXPECT_EQ(sum, run.expected_total);
}

INSTANTIATE_TEST_SUITE_P(
    Reports, ScaleSimGolden,
    ::testing::Values(GoldenRun{"resnet18_conv_224.csv", "resnet18", "os", 2114948},
                      GoldenRun{"resnet18_conv_224.csv", "resnet18", "ws", 2806392},
                      GoldenRun{"resnet18_conv_224.csv", "resnet18", "is", 3382652},
                      GoldenRun{"gemm_m256_n128_k256.csv", "gemm_m256_n128_k256", "os", 10175},
                      GoldenRun{"gemm_m256_n128_k256.csv", "gemm_m256_n128_k256", "ws", 11199},
                      GoldenRun{"gemm_m256_n128_k256.csv", "gemm_m256_n128_k256", "is", 14207}),
    [](const ::testing::TestParamInfo<GoldenRun>& info) {
      return info.param.report_prefix.substr(0, 8) + "_" + info.param.dataflow;
    });

}  // namespace
}  // namespace kpu
