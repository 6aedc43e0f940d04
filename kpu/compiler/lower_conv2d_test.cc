// The layouts conv2d's DFX stores its tiles in (lower_conv2d.cc, ConvTileLayout): in every dataflow
// and conv variant, the input window and the weights are NHWC in L1 and in the array and row-major
// in DRAM, the staging levels and an on-chip home; the hop into L1 is the conversion; bias,
// residual and output tiles are row-major everywhere. (That the interpreter computes the right
// values from these tiles is tests/interpreter_agreement_test.cc and dataflow_agreement_test.cc;
// that a wrong layout is caught is tests/conv_layout_test.cc.)
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

struct Conv {
  std::string what;
  std::vector<int64_t> x, w;
  int64_t stride, pad, groups;
  bool bias, residual;
};

// x -> conv -> y, or, with `chain`, x -> relu -> conv so that the conv's input is an activation
// the residency pass may keep on chip.
ir::Graph ConvGraph(const Conv& c, bool chain) {
  ir::Graph g;
  AddInput(&g, "x", c.x);
  int64_t n = 1;
  for (int64_t d : c.w) n *= d;
  AddConstant(&g, "w", c.w, RandomValues(n, 0.3f, 2));
  std::string in = "x";
  if (chain) {
    AddNode(&g, "relu", {"x"}, "xr");
    in = "xr";
  }
  std::vector<std::string> inputs = {in, "w"};
  if (c.bias) {
    AddConstant(&g, "b", {c.w[0]}, RandomValues(c.w[0], 0.3f, 3));
    inputs.push_back("b");
  }
  const int64_t oh = (c.x[2] + 2 * c.pad - c.w[2]) / c.stride + 1, ow = (c.x[3] + 2 * c.pad - c.w[3]) / c.stride + 1;
  if (c.residual) {
    AddInput(&g, "res", {c.x[0], c.w[0], oh, ow});
    inputs.push_back("res");
  }
  ir::Node* conv = AddNode(&g, "conv2d", inputs, "y");
  auto& attrs = *conv->mutable_attributes();
  for (int i = 0; i < 2; ++i) attrs["stride"].mutable_ints()->add_values(c.stride);
  for (int i = 0; i < 4; ++i) attrs["padding"].mutable_ints()->add_values(c.pad);
  attrs["groups"].set_i(c.groups);
  g.add_outputs("y");
  return g;
}

void ForEachOp(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops, const std::function<void(const ir::DfxOp&)>& f) {
  for (const ir::DfxOp& op : ops) {
    if (op.has_tile_loop()) ForEachOp(op.tile_loop().body(), f);
    f(op);
  }
}

// What one conv's DFX holds, per tensor role: the layouts seen at each level, and its moves into L1.
struct Census {
  std::map<std::string, std::map<ir::MemoryLevel, std::set<ir::Layout>>> layouts;  // tensor -> level -> layouts
  std::map<std::string, int> converting_loads, loads_into_l1;
  int conv_tiles = 0, nhwc_conv_operands = 0;
};

Census Count(const ir::KPUOp& op) {
  Census c;
  auto note = [&](const ir::TensorRegion& r) { c.layouts[r.tensor()][r.level()].insert(r.layout()); };
  ForEachOp(op.dfx(), [&](const ir::DfxOp& d) {
    if (d.has_data_move()) {
      const ir::DataMove& m = d.data_move();
      note(m.source());
      note(m.destination());
      if (m.destination().level() == ir::L1 && m.source().level() < ir::L1) {
        ++c.loads_into_l1[m.source().tensor()];
        if (m.source().layout() == ir::LAYOUT_ROW_MAJOR && m.destination().layout() == ir::LAYOUT_NHWC) {
          ++c.converting_loads[m.source().tensor()];
        }
      }
    }
    if (d.has_compute()) {
      for (const ir::TensorRegion& r : d.compute().inputs()) note(r);
      note(d.compute().output());
      if (d.compute().type() == ir::Compute::CONV2D_TILE) {
        ++c.conv_tiles;
        for (int i = 0; i < 2; ++i) c.nhwc_conv_operands += d.compute().inputs(i).layout() == ir::LAYOUT_NHWC;
      }
    }
  });
  return c;
}

// L1 and the array see `tensor` NHWC only; every level nearer DRAM sees it row-major.
void ExpectChannelsInnermostOnlyOnTheArraySide(const Census& c, const std::string& tensor, const std::string& what) {
  ASSERT_TRUE(c.layouts.count(tensor)) << what << ": no region of '" << tensor << "'";
  for (const auto& [level, layouts] : c.layouts.at(tensor)) {
    const ir::Layout want = level >= ir::L1 ? ir::LAYOUT_NHWC : ir::LAYOUT_ROW_MAJOR;
    EXPECT_EQ(layouts, std::set<ir::Layout>{want}) << what << ": '" << tensor << "' in " << LevelName(level);
  }
  EXPECT_TRUE(c.layouts.at(tensor).count(ir::L1)) << what << ": '" << tensor << "' never reaches L1";
  // Every load into L1 is the conversion, from a row-major level.
  EXPECT_GT(c.loads_into_l1.count(tensor) ? c.loads_into_l1.at(tensor) : 0, 0) << what << " " << tensor;
  EXPECT_EQ(c.converting_loads.count(tensor) ? c.converting_loads.at(tensor) : 0,
            c.loads_into_l1.count(tensor) ? c.loads_into_l1.at(tensor) : 0)
      << what << ": a load of '" << tensor << "' into L1 does not convert to NHWC";
}

void ExpectRowMajorEverywhere(const Census& c, const std::string& tensor, const std::string& what) {
  if (!c.layouts.count(tensor)) return;
  for (const auto& [level, layouts] : c.layouts.at(tensor)) {
    EXPECT_EQ(layouts, std::set<ir::Layout>{ir::LAYOUT_ROW_MAJOR}) << what << ": '" << tensor << "' in " << LevelName(level);
  }
}

const ir::KPUOp& ConvOp(const Program& p) {
  for (const ir::KPUOp& op : p.proto.operations().ops()) {
    if (op.op_type() == "conv2d") return op;
  }
  ADD_FAILURE() << "no conv2d op";
  return p.proto.operations().ops(0);
}

// The default preset's L1 alone: the window goes straight from DRAM into L1, the DMA converts.
ir::KPUConfig L1Only() {
  ir::KPUConfig config = *PresetConfig("minimal");
  auto* memory = config.mutable_memory();
  for (int i = memory->size() - 1; i >= 0; --i) {
    if (memory->Get(i).level() == ir::L2 || memory->Get(i).level() == ir::L3) memory->DeleteSubrange(i, 1);
  }
  return config;
}

TEST(LowerConv2dLayouts, WindowAndWeightsNhwcInL1RowMajorBelowInEveryDataflowAndVariant) {
  const std::vector<Conv> convs = {
      {"3x3 bias", {1, 8, 13, 13}, {20, 8, 3, 3}, 1, 1, 1, true, false},
      {"grouped", {1, 8, 9, 11}, {12, 4, 3, 3}, 1, 1, 2, true, false},
      {"depthwise s2", {1, 24, 14, 14}, {24, 1, 3, 3}, 2, 1, 24, true, false},
      {"1x1 residual", {1, 16, 10, 10}, {16, 16, 1, 1}, 1, 0, 1, true, true},
      {"wide channels, K split", {1, 96, 6, 6}, {40, 96, 3, 3}, 1, 1, 1, true, false},
  };
  const std::vector<std::pair<std::string, ir::KPUConfig>> configs = {
      {"minimal", *PresetConfig("minimal")},
      {"swkpu-v1", *PresetConfig("swkpu-v1")},
      {"small L1", testing::WithL1Bytes(*PresetConfig("minimal"), 16 * 1024)},
      {"L1 only", L1Only()}};
  for (const Conv& conv : convs) {
    for (const auto& [config_name, config] : configs) {
      for (ir::Dataflow df : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
        const std::string what = conv.what + " on " + config_name + " " + ir::Dataflow_Name(df);
        CompileOptions options;
        options.dataflow = df;
        auto program = Compile(ConvGraph(conv, false), config, options);
        ASSERT_TRUE(program.ok()) << what << ": " << program.status();
        const Census c = Count(ConvOp(*program));
        ExpectChannelsInnermostOnlyOnTheArraySide(c, "x", what);
        ExpectChannelsInnermostOnlyOnTheArraySide(c, "w", what);
        for (const char* t : {"b", "res", "y"}) ExpectRowMajorEverywhere(c, t, what);
        ASSERT_GT(c.conv_tiles, 0) << what;
        EXPECT_EQ(c.nhwc_conv_operands, 2 * c.conv_tiles) << what << ": a CONV2D_TILE reads a row-major operand";
        // DRAM holds the graph's NCHW: the descriptors carry no layout, and no region names DRAM in another.
        for (const auto& [tensor, levels] : c.layouts) {
          if (levels.count(ir::EXTERNAL)) {
            EXPECT_EQ(levels.at(ir::EXTERNAL), std::set<ir::Layout>{ir::LAYOUT_ROW_MAJOR}) << what << " " << tensor;
          }
        }
      }
    }
  }
}

// An input kept on chip (an L2/L3 home, read by tensor coordinates) stays row-major there; the hop
// from the home into L1 converts.
TEST(LowerConv2dLayouts, AnOnChipHomeStaysRowMajorAndTheHopIntoL1Converts) {
  const Conv conv{"3x3", {1, 8, 13, 13}, {20, 8, 3, 3}, 1, 1, 1, true, false};
  for (ir::Dataflow df : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
    CompileOptions options;
    options.dataflow = df;
    auto program = Compile(ConvGraph(conv, true), *PresetConfig("swkpu-v1"), options);
    ASSERT_TRUE(program.ok()) << program.status();
    ir::MemoryLevel home = ir::EXTERNAL;
    for (const ir::TensorDescriptor& t : program->proto.tensors().tensors()) {
      if (t.name() == "xr") home = t.home();
    }
    ASSERT_NE(home, ir::EXTERNAL) << "the residency pass no longer keeps the relu's output on chip";
    const Census c = Count(ConvOp(*program));
    ExpectChannelsInnermostOnlyOnTheArraySide(c, "xr", ir::Dataflow_Name(df));
    EXPECT_FALSE(c.layouts.at("xr").count(ir::EXTERNAL)) << "a homed tensor is read from DRAM";
    EXPECT_EQ(c.layouts.at("xr").at(home), std::set<ir::Layout>{ir::LAYOUT_ROW_MAJOR});
  }
}

}  // namespace
}  // namespace kpu::compiler
