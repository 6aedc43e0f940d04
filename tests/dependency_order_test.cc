// Decision 9: the program's dependency edges are what lets an engine run DFX ops out of program
// order. With the edges the compiler derives, the tile interpreter gives identical outputs in
// program order and in the order that always runs the newest ready op; with them removed, the
// reordered run must go wrong, which shows the check can fail.
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

ir::Graph MatmulChain() {
  ir::Graph g;
  AddInput(&g, "x", {24, 96});
  AddConstant(&g, "w1", {96, 80}, RandomValues(96 * 80, 0.2f, 1));
  AddConstant(&g, "b1", {80}, RandomValues(80, 0.2f, 2));
  AddConstant(&g, "w2", {80, 40}, RandomValues(80 * 40, 0.2f, 3));
  AddNode(&g, "matmul", {"x", "w1", "b1"}, "h");
  AddNode(&g, "relu", {"h"}, "r");
  AddNode(&g, "matmul", {"r", "w2"}, "y");
  AddNode(&g, "softmax", {"y"}, "z");
  g.add_outputs("z");
  return g;
}

absl::StatusOr<std::vector<float>> RunProgram(const Program& program, runtime::Engine engine) {
  KPU_ASSIGN_OR_RETURN(auto exec, runtime::Executor::Load(program, nullptr));
  std::vector<float> x = RandomValues(24 * 96, 1.0f, 7), z(24 * 40);
  runtime::ExecuteOptions o;
  o.engine = engine;
  KPU_RETURN_IF_ERROR(exec->Execute({{"x", ir::FLOAT32, {24, 96}, x.data(), x.size() * sizeof(float)}},
                                    {{"z", ir::FLOAT32, {24, 40}, z.data(), z.size() * sizeof(float)}}, o));
  return z;
}

void StripDependencies(google::protobuf::RepeatedPtrField<ir::DfxOp>* ops) {
  for (ir::DfxOp& op : *ops) {
    op.clear_depends_on();
    op.clear_carried();
    if (op.has_tile_loop()) StripDependencies(op.mutable_tile_loop()->mutable_body());
  }
}

// A small L1 forces K tiles with double buffering, so the carried edges matter.
ir::KPUConfig SmallConfig() { return kpu::testing::WithL1Bytes(*PresetConfig("minimal"), 8 * 1024); }

TEST(DependencyOrder, ReorderedInterpreterMatchesProgramOrder) {
  std::vector<std::string> configs = PresetNames();
  configs.push_back("small-l1");
  for (const std::string& preset : configs) {
    auto program = compiler::Compile(MatmulChain(), preset == "small-l1" ? SmallConfig() : *PresetConfig(preset), {});
    ASSERT_TRUE(program.ok()) << program.status();
    auto ordered = RunProgram(*program, runtime::Engine::kDfxInterpreter);
    auto reordered = RunProgram(*program, runtime::Engine::kDfxInterpreterReordered);
    ASSERT_TRUE(ordered.ok()) << ordered.status();
    ASSERT_TRUE(reordered.ok()) << reordered.status();
    EXPECT_EQ(*ordered, *reordered) << preset;
  }
}

TEST(DependencyOrder, CarriedEdgesAreEmittedForDoubleBuffers) {
  auto program = compiler::Compile(MatmulChain(), SmallConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  int carried = 0;
  std::function<void(const google::protobuf::RepeatedPtrField<ir::DfxOp>&)> count =
      [&](const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops) {
        for (const ir::DfxOp& op : ops) {
          for (const ir::CarriedDependency& c : op.carried()) {
            EXPECT_EQ(c.distance(), 2) << "a double-buffer slot is reused two iterations later";
            ++carried;
          }
          if (op.has_tile_loop()) count(op.tile_loop().body());
        }
      };
  for (const ir::KPUOp& op : program->proto.operations().ops()) count(op.dfx());
  EXPECT_GT(carried, 0) << "the minimal preset splits K, so some load refills a double-buffer slot";
}

TEST(DependencyOrder, WithoutEdgesTheReorderedRunGoesWrong) {
  auto program = compiler::Compile(MatmulChain(), SmallConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  auto ordered = RunProgram(*program, runtime::Engine::kDfxInterpreter);
  ASSERT_TRUE(ordered.ok()) << ordered.status();
  for (ir::KPUOp& op : *program->proto.mutable_operations()->mutable_ops()) StripDependencies(op.mutable_dfx());
  // Program order needs no edges; any other order does.
  auto still_ordered = RunProgram(*program, runtime::Engine::kDfxInterpreter);
  ASSERT_TRUE(still_ordered.ok()) << still_ordered.status();
  EXPECT_EQ(*ordered, *still_ordered);
  auto reordered = RunProgram(*program, runtime::Engine::kDfxInterpreterReordered);
  EXPECT_TRUE(!reordered.ok() || *reordered != *ordered) << "the reordered interpreter cannot detect a missing edge";
}

}  // namespace
}  // namespace kpu
