#include "kpu/compiler/residency_planner.h"

#include <functional>

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

HomeLevel Level(ir::MemoryLevel l, uint64_t capacity, std::vector<uint64_t> reserved) {
  return HomeLevel{l, capacity, std::move(reserved)};
}

TEST(PlanResidency, FitsBesideTheTilesOfEveryStepOfItsLifetime) {
  // Step 1 stages 600 bytes of tiles: a 512-byte tensor live then does not fit a 1 KiB level.
  const std::vector<HomeLevel> levels = {Level(ir::L2, 1024, {0, 600, 0, 0})};
  auto homes = PlanResidency({{"a", 512, 0, 1}, {"b", 512, 2, 3}}, levels);
  EXPECT_FALSE(homes.count("a"));
  ASSERT_TRUE(homes.count("b"));
  EXPECT_EQ(homes["b"].level, ir::L2);
  EXPECT_EQ(homes["b"].offset, 0u);
}

TEST(PlanResidency, ReusesSpaceAcrossLifetimesAndFallsBackToTheNextLevel) {
  const std::vector<HomeLevel> levels = {Level(ir::L2, 1024, {}), Level(ir::L3, 4096, {})};
  // a and b overlap (both 768 bytes: only one fits L2, b goes to L3); c starts after a ends and
  // reuses a's space in L2.
  auto homes = PlanResidency({{"a", 768, 0, 2}, {"b", 768, 1, 3}, {"c", 700, 3, 4}, {"huge", 8192, 0, 4}}, levels);
  ASSERT_TRUE(homes.count("a") && homes.count("b") && homes.count("c"));
  EXPECT_EQ(homes["a"].level, ir::L2);
  EXPECT_EQ(homes["b"].level, ir::L3);
  EXPECT_EQ(homes["c"].level, ir::L2);
  EXPECT_EQ(homes["c"].offset, homes["a"].offset);
  EXPECT_FALSE(homes.count("huge"));  // stays in DRAM
}

// x -> conv(16 channels, 64x64) -> relu -> conv stride 4 (4 channels, 16x16) -> relu -> conv -> y
// on the minimal config (128 KiB L3 and L2): the 256 KiB activation stays in DRAM, the 4 KiB one
// gets a home on chip, and with residency off nothing does.
ir::Graph TwoSizes() {
  ir::Graph g;
  AddInput(&g, "x", {1, 3, 64, 64});
  AddConstant(&g, "w1", {16, 3, 3, 3}, RandomValues(16 * 27, 0.2f, 1));
  ir::Node* c1 = AddNode(&g, "conv2d", {"x", "w1"}, "big");
  (*c1->mutable_attributes())["padding"].mutable_ints()->mutable_values()->Resize(4, 1);
  AddConstant(&g, "w2", {4, 16, 4, 4}, RandomValues(4 * 16 * 16, 0.2f, 2));
  ir::Node* c2 = AddNode(&g, "conv2d", {"big", "w2"}, "small");
  (*c2->mutable_attributes())["stride"].mutable_ints()->mutable_values()->Resize(2, 4);
  AddConstant(&g, "w3", {4, 4, 1, 1}, RandomValues(16, 0.2f, 3));
  AddNode(&g, "conv2d", {"small", "w3"}, "y");
  g.add_outputs("y");
  return g;
}

TEST(Compile, SmallActivationGetsAnOnChipHomeLargeOneStaysInDram) {
  const ir::KPUConfig config = *PresetConfig("minimal");
  auto program = Compile(TwoSizes(), config, {});
  ASSERT_TRUE(program.ok()) << program.status();
  std::map<std::string, const ir::TensorDescriptor*> by_name;
  for (const auto& t : program->proto.tensors().tensors()) by_name[t.name()] = &t;
  EXPECT_EQ(by_name.at("big")->home(), ir::EXTERNAL);
  EXPECT_NE(by_name.at("small")->home(), ir::EXTERNAL);
  EXPECT_EQ(by_name.at("small")->memory_hint(), by_name.at("small")->home());
  EXPECT_EQ(by_name.at("x")->home(), ir::EXTERNAL);
  EXPECT_EQ(by_name.at("y")->home(), ir::EXTERNAL);
  // Moves of the homed tensor start or end at its home, never in DRAM.
  int dram_moves = 0, home_moves = 0;
  std::function<void(const google::protobuf::RepeatedPtrField<ir::DfxOp>&)> walk = [&](const auto& ops) {
    for (const ir::DfxOp& d : ops) {
      if (d.has_tile_loop()) walk(d.tile_loop().body());
      if (!d.has_data_move()) continue;
      for (const ir::TensorRegion* r : {&d.data_move().source(), &d.data_move().destination()}) {
        if (r->tensor() != "small") continue;
        dram_moves += r->level() == ir::EXTERNAL;
        home_moves += r->level() == by_name.at("small")->home();
      }
    }
  };
  for (const auto& op : program->proto.operations().ops()) walk(op.dfx());
  EXPECT_EQ(dram_moves, 0);
  EXPECT_GT(home_moves, 0);
  bool reported = false;
  for (const auto& s : program->proto.metadata().sram_levels()) {
    if (s.level() == by_name.at("small")->home()) {
      reported = s.home_arena_bytes() >= 4 * 16 * 16 * 4;
      EXPECT_LE(s.peak_bytes(), LevelCapacity(*FindLevel(config, s.level())));
    }
  }
  EXPECT_TRUE(reported);

  CompileOptions off;
  off.enable_residency = false;
  auto dram_only = Compile(TwoSizes(), config, off);
  ASSERT_TRUE(dram_only.ok()) << dram_only.status();
  for (const auto& t : dram_only->proto.tensors().tensors()) EXPECT_EQ(t.home(), ir::EXTERNAL) << t.name();
  EXPECT_LT(program->proto.hints().estimated_dram_bytes(), dram_only->proto.hints().estimated_dram_bytes());
}

}  // namespace
}  // namespace kpu::compiler
