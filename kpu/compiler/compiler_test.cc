#include "kpu/compiler/compiler.h"

#include <algorithm>
#include <cstdint>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/compiler/object_writer.h"
#include "kpu/compiler/tiling.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/object_format.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using ::testing::HasSubstr;

TEST(Compiler, MlpProgramStructure) {
  auto program = Compile(kpu::testing::MnistMlp(16), DefaultConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  const ir::KPUProgram& p = program->proto;
  ASSERT_EQ(p.operations().ops_size(), 4);
  EXPECT_EQ(p.operations().ops(0).op_type(), "matmul");
  EXPECT_THAT(p.operations().ops(0).fused_with(), ::testing::ElementsAre("a1_relu"));
  EXPECT_EQ(p.operations().ops(3).op_type(), "softmax");
  EXPECT_EQ(p.dependencies().edges_size(), 3);
  EXPECT_EQ(p.metadata().input_ids(0), "x");
  EXPECT_EQ(p.metadata().output_ids(0), "probs");
  EXPECT_EQ(p.metadata().weight_bytes(), 4u * (784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10));
  EXPECT_EQ(p.hints().total_macs(), 16u * (784 * 128 + 128 * 64 + 64 * 10));
  EXPECT_LE(p.metadata().peak_sram_bytes(), L1Capacity(DefaultConfig()) + 2 * StagingCapacity(DefaultConfig()));
  EXPECT_EQ(p.metadata().source_hash().size(), 16u);
  for (const auto& t : p.tensors().tensors()) {
    if (t.kind() == ir::TensorDescriptor::WEIGHT) {
      EXPECT_EQ(t.weight_offset() % kWeightsAlignment, 0u);
    }
  }
  for (const auto& op : p.operations().ops()) {
    EXPECT_GT(op.dfx_size(), 0) << op.id();
    EXPECT_LE(op.l1_bytes(), L1Capacity(DefaultConfig())) << op.id();
  }
}

TEST(Compiler, JsonViewNamesTheDfxVocabulary) {
  auto program = Compile(kpu::testing::MnistMlp(1), DefaultConfig(), {});
  ASSERT_TRUE(program.ok());
  auto json = ProgramToJson(*program);
  ASSERT_TRUE(json.ok());
  for (const char* word : {"tile_loop", "data_move", "MATMUL_TILE", "SOFTMAX_TILE", "ELEMENTWISE", "barrier",
                           "STORE", "\"level\": \"L1\"", "\"weights\": {\"size_bytes\""}) {
    EXPECT_THAT(*json, HasSubstr(word));
  }
}

TEST(Compiler, CompilesForEveryPreset) {
  for (const std::string& name : PresetNames()) {
    auto program = Compile(kpu::testing::MnistMlp(8), *PresetConfig(name), {});
    EXPECT_TRUE(program.ok()) << name << ": " << program.status();
  }
}

TEST(Compiler, FusionCanBeTurnedOff) {
  CompileOptions o;
  o.enable_fusion = false;
  auto program = Compile(kpu::testing::MnistMlp(1), DefaultConfig(), o);
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(program->proto.operations().ops_size(), 6);  // 3 matmul (bias kept), 2 relu, softmax
}

// A forced dataflow runs every array op (matmul here, conv2d in tests/dataflow_agreement_test.cc),
// the only candidate recorded, with the reason; vector ops record none.
TEST(Compiler, ForcedDataflowIsHonouredForEveryArrayOp) {
  for (ir::Dataflow d : {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
    CompileOptions o;
    o.dataflow = d;
    auto program = Compile(kpu::testing::MnistMlp(4), DefaultConfig(), o);
    ASSERT_TRUE(program.ok()) << ir::Dataflow_Name(d) << ": " << program.status();
    int array_ops = 0;
    for (const ir::KPUOp& op : program->proto.operations().ops()) {
      if (op.op_type() != "matmul") {
        EXPECT_EQ(op.dataflow_candidates_size(), 0) << op.id();
        continue;
      }
      ++array_ops;
      EXPECT_EQ(op.tiling().dataflow(), d) << op.id();
      ASSERT_EQ(op.dataflow_candidates_size(), 1) << op.id();
      EXPECT_EQ(op.dataflow_candidates(0).dataflow(), d);
      EXPECT_TRUE(op.dataflow_candidates(0).chosen());
      EXPECT_EQ(op.dataflow_candidates(0).reason(), "forced by the compile options");
      EXPECT_EQ(op.dataflow_candidates(0).estimated_cycles(), op.estimated_cycles());
      for (const ir::DfxOp& dop : op.dfx()) {
        if (dop.has_compute() && dop.compute().type() == ir::Compute::MATMUL_TILE) EXPECT_EQ(dop.compute().dataflow(), d);
      }
    }
    EXPECT_EQ(array_ops, 3);
  }
}

TEST(Compiler, UnknownDataflowIsAnError) {
  CompileOptions o;
  o.dataflow = static_cast<ir::Dataflow>(42);
  auto program = Compile(kpu::testing::MnistMlp(1), DefaultConfig(), o);
  EXPECT_EQ(KindOf(program.status()), ErrorKind::kInvalidArgument);
  EXPECT_THAT(program.status().message(), HasSubstr("unknown dataflow 42"));
}

// Issue 5, point 8: sizes that overflow, programs the device cannot hold, batches the config
// does not take: each is an error that says which, never a program with nonsense sizes.
TEST(Compiler, ImpossibleSizesAreErrors) {
  ir::Graph huge;
  kpu::testing::AddInput(&huge, "x", {int64_t{1} << 62, 4});
  kpu::testing::AddNode(&huge, "relu", {"x"}, "y");
  huge.add_outputs("y");
  auto p = Compile(huge, DefaultConfig(), {});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("tensor 'x' of shape"));
  EXPECT_THAT(p.status().message(), HasSubstr("too large"));

  ir::Graph big;
  kpu::testing::AddInput(&big, "x", {16, 100000, 100000, 50});
  kpu::testing::AddNode(&big, "relu", {"x"}, "y");
  big.add_outputs("y");
  p = Compile(big, DefaultConfig(), {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(KindOf(p.status()), ErrorKind::kMemoryExceeded) << p.status();
  EXPECT_THAT(p.status().message(), HasSubstr("DRAM memory exceeded: "));
  EXPECT_THAT(p.status().message(), HasSubstr("MB available"));
  EXPECT_THAT(p.status().message(), HasSubstr("tensor 'x'"));  // which one does not fit

  // A tensor within the runtime's limits that the device's DRAM cannot hold: named, with its size.
  ir::Graph wide;
  kpu::testing::AddInput(&wide, "a", {65536, 16384});  // 4 GiB; rank 2 has no batch dimension
  kpu::testing::AddNode(&wide, "relu", {"a"}, "b");
  wide.add_outputs("b");
  p = Compile(wide, DefaultConfig(), {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(KindOf(p.status()), ErrorKind::kMemoryExceeded) << p.status();
  EXPECT_THAT(p.status().message(), HasSubstr("(KPU config 'swkpu-v1'; "));
  EXPECT_THAT(p.status().message(), HasSubstr("the largest activation 'a' (65536,16384) 4096MB"));

  ir::KPUConfig small_batch = DefaultConfig();
  small_batch.set_max_batch_size(8);
  auto images = [](int64_t batch) {
    ir::Graph g;
    kpu::testing::AddInput(&g, "x", {batch, 3, 8, 8});
    kpu::testing::AddNode(&g, "relu", {"x"}, "y");
    g.add_outputs("y");
    return g;
  };
  p = Compile(images(9), small_batch, {});
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), HasSubstr("Batch size 9 of input 'x' exceeds the maximum batch size 8"));
  EXPECT_TRUE(Compile(images(8), small_batch, {}).ok());
}

// Under AUTO every array op is lowered in the three dataflows; it records what kpu/cost priced each
// lowered kernel at, and runs the cheapest.
TEST(Compiler, RecordsDataflowCandidates) {
  auto program = Compile(kpu::testing::MnistMlp(4), DefaultConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  int array_ops = 0;
  for (const ir::KPUOp& op : program->proto.operations().ops()) {
    if (op.op_type() != "matmul") {
      EXPECT_EQ(op.dataflow_candidates_size(), 0) << op.id();
      continue;
    }
    ++array_ops;
    ASSERT_EQ(op.dataflow_candidates_size(), 3) << op.id();
    int chosen = 0;
    uint64_t cheapest = UINT64_MAX;
    for (const ir::DataflowCandidate& c : op.dataflow_candidates()) {
      EXPECT_GT(c.estimated_cycles(), 0u);
      cheapest = std::min(cheapest, c.estimated_cycles());
    }
    for (const ir::DataflowCandidate& c : op.dataflow_candidates()) {
      if (c.chosen()) {
        ++chosen;
        // AUTO runs the cheapest lowering, and the op's estimate is that candidate's.
        EXPECT_EQ(c.dataflow(), op.tiling().dataflow());
        EXPECT_EQ(c.reason(), "cheapest");
        EXPECT_EQ(c.estimated_cycles(), cheapest);
        EXPECT_EQ(c.estimated_cycles(), op.estimated_cycles());
      } else {
        EXPECT_EQ(c.reason(), "costlier");
        EXPECT_GE(c.estimated_cycles(), cheapest);
      }
    }
    EXPECT_EQ(chosen, 1) << op.id();
  }
  EXPECT_EQ(array_ops, 3);
}

TEST(Compiler, SameGraphSameBytes) {
  auto a = Compile(kpu::testing::MnistMlp(4), DefaultConfig(), {});
  auto b = Compile(kpu::testing::MnistMlp(4), DefaultConfig(), {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(WriteObject(*a) == WriteObject(*b)) << "compiling twice gave different bytes";
}

}  // namespace
}  // namespace kpu::compiler
