#include "kpu/compiler/import/scalesim_topology.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/compiler/import/scalesim_graph.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {
namespace {

using ::testing::HasSubstr;

std::string ResNet18() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::ifstream f(std::string(srcdir ? srcdir : ".") + "/kpu/tests/golden/scalesim-3.0.0/topologies/resnet18_conv_224.csv");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

constexpr char kConvHeader[] =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";

TEST(ScaleSimTopology, ParsesResNet18) {
  auto t = ParseScaleSimTopology(ResNet18(), "resnet18_conv_224.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->form, ScaleSimTopology::Form::kConv);
  ASSERT_EQ(t->layers.size(), 20u);
  const ScaleSimLayer& conv1 = t->layers[0];
  EXPECT_EQ(conv1.name, "conv1");
  EXPECT_EQ(conv1.ifmap_h, 229);
  EXPECT_EQ(conv1.filter_w, 7);
  EXPECT_EQ(conv1.channels, 3);
  EXPECT_EQ(conv1.filters, 64);
  EXPECT_EQ(conv1.stride, 2);
  EXPECT_EQ(conv1.line, 2);
  auto g = LayerGemm(*t, conv1);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->gemm.m, 112 * 112);
  EXPECT_EQ(g->gemm.n, 64);
  EXPECT_EQ(g->gemm.k, 7 * 7 * 3);
}

TEST(ScaleSimTopology, GemmFormCrlfAndNoTrailingComma) {
  auto t = ParseScaleSimTopology("Layer, M, N, K,\r\nfc, 256, 128, 64\r\n\r\n", "g.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->form, ScaleSimTopology::Form::kGemm);
  ASSERT_EQ(t->layers.size(), 1u);
  EXPECT_EQ(t->layers[0].m, 256);
  EXPECT_EQ(t->layers[0].n, 128);
  EXPECT_EQ(t->layers[0].k, 64);
}

TEST(ScaleSimTopology, HostileInputGetsLineAndColumn) {
  struct Case {
    std::string text, message;
  };
  const std::string h = kConvHeader;
  for (const Case& c : std::vector<Case>{
           {"", "t.csv:1:1: the file is empty"},
           {"Layer, M, N\n", "t.csv:1:1: the header must be"},
           {h, "header but no layers"},
           {h + "c1, 10, 10, 3, 3, 4, 8, 1, 7,\n", "t.csv:2:28: expected 8 fields"},
           {h + "c1, 10, 10, 3, 3, 4, 8\n", "t.csv:2:23: expected 8 fields"},
           {h + "c1, 10, ten, 3, 3, 4, 8, 1,\n", "t.csv:2:9: 'IFMAP Width' of layer 'c1' must be a positive integer"},
           {h + "c1, 10, 10, 3, 3, -4, 8, 1,\n", "t.csv:2:19: 'Channels'"},
           {h + "c1, 10, 10, 3, 3, 4, 8, 0,\n", "t.csv:2:25: 'Strides'"},
           {h + "c1, 10, 10, 3, 3, 4, 99999999999999999999, 1,\n", "'Num Filter'"},
           {h + "c1, 10, 10, 3, 3, 4, 8, 1,\nc1, 10, 10, 3, 3, 4, 8, 1,\n", "t.csv:3:1: layer 'c1' appears twice"},
           {h + ", 10, 10, 3, 3, 4, 8, 1,\n", "t.csv:2:1: the layer name is empty"},
           {h + "c1, 10, 10, 11, 3, 4, 8, 1,\n", "t.csv:2:13: layer 'c1': filter 11x3 is larger than its IFMAP 10x10"},
           {h + std::string("c1, 1\0, 10, 3, 3, 4, 8, 1,\n", 27), "NUL"},
       }) {
    auto t = ParseScaleSimTopology(c.text, "t.csv");
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_THAT(t.status().message(), HasSubstr(c.message)) << c.text;
    EXPECT_THAT(t.status().message(), HasSubstr("SCALE-Sim topology t.csv:")) << c.text;
  }
}

TEST(ScaleSimGraph, ConvLayersBecomeConv2dNodes) {
  auto g = ImportScaleSimTopology(ResNet18(), "topologies/resnet18_conv_224.csv");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->name(), "resnet18_conv_224");
  ASSERT_EQ(g->nodes_size(), 20);
  EXPECT_EQ(g->inputs_size(), 20);
  EXPECT_EQ(g->outputs_size(), 20);
  const ir::Node& n = g->nodes(7);  // layer2.0.downsample: 55x55, 1x1, 64 -> 128, stride 2
  EXPECT_EQ(n.name(), "layer2.0.downsample");
  EXPECT_EQ(n.op_type(), "conv2d");
  ASSERT_EQ(n.inputs_size(), 2);
  EXPECT_EQ(n.inputs(1), "layer2.0.downsample.weight");
  EXPECT_THAT(n.attributes().at("stride").ints().values(), ::testing::ElementsAre(2, 2));
  EXPECT_THAT(n.attributes().at("padding").ints().values(), ::testing::ElementsAre(0, 0, 0, 0));
  std::map<std::string, const ir::Tensor*> tensors;
  for (const ir::Tensor& t : g->tensors()) tensors[t.name()] = &t;
  const ir::Tensor& in = *tensors.at("layer2.0.downsample.input");
  EXPECT_THAT(in.shape(), ::testing::ElementsAre(1, 64, 55, 55));
  EXPECT_FALSE(IsConstant(in));
  const ir::Tensor& w = *tensors.at("layer2.0.downsample.weight");
  EXPECT_THAT(w.shape(), ::testing::ElementsAre(128, 64, 1, 1));
  EXPECT_TRUE(IsConstant(w));
  EXPECT_EQ(w.raw_data().size(), 128u * 64 * 4);
}

TEST(ScaleSimGraph, GemmTopologyCompiles) {
  auto g = ImportScaleSimTopology("Layer, M, N, K,\ngemm, 256, 128, 256,\n", "gemm.csv");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->nodes_size(), 1);
  EXPECT_EQ(g->nodes(0).op_type(), "matmul");
  auto p = Compile(*g, DefaultConfig(), {});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->proto.hints().total_macs(), 256u * 128 * 256);
  EXPECT_GT(p->proto.metadata().estimated_total_cycles(), 0u);
}

TEST(ScaleSimGraph, TooManyWeightsIsAnError) {
  auto g = ImportScaleSimTopology("Layer, M, N, K,\nhuge, 1, 65536, 65536,\n", "huge.csv");
  ASSERT_FALSE(g.ok());
  EXPECT_THAT(g.status().message(), HasSubstr("layer 'huge' (line 2)"));
}

}  // namespace
}  // namespace kpu::compiler
