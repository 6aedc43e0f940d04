// The layout of a DFX region is not decoration (ARCHITECTURE.md decision 8). conv2d stores its
// input window and weights NHWC in L1 and the array (lower_conv2d.cc); here, for each dataflow:
// flipping any one of those NHWC regions of a compiled program back to row-major makes the tile
// interpreter refuse the program (a reader walking a tile in another layout than it is stored in),
// while the fast path, which does not run the DFX, still computes the right values; a region whose
// layout is unknown, NHWC on a rank other than 4, or NHWC in DRAM is refused at load time with a
// message naming the op and the region; every conv variant still agrees across the fast path and
// both interpreter orders when L1 is the only SRAM level (the DMA converts); and the JSON and
// schedule views show the layouts and the converting moves.
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/compiler/object_writer.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/proto_json.h"
#include "kpu/runtime/executor.h"
#include "kpu/runtime/object_reader.h"
#include "kpu/testing/agreement.h"
#include "kpu/testing/program_surgery.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const ir::Dataflow kDataflows[] = {ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY};

// The first conv variant (3x3, padding 1, bias, relu) compiled in `dataflow` for the minimal preset
// (an 8x8 array, so the WS and IS programs hold kernel parts in REGISTER).
struct Compiled {
  Program program;
  std::vector<std::vector<float>> feeds;
  std::vector<float> ref;
};

Compiled CompileConv(ir::Dataflow dataflow, const ir::KPUConfig& config = *PresetConfig("minimal")) {
  Compiled c;
  const ir::Graph g = testing::ConvCaseGraph(testing::ConvVariants()[0], &c.feeds, &c.ref);
  compiler::CompileOptions options;
  options.dataflow = dataflow;
  auto program = compiler::Compile(g, config, options);
  EXPECT_TRUE(program.ok()) << program.status();
  if (program.ok()) c.program = *std::move(program);
  return c;
}

// Every region of the program's DFX, in one order, for the edits below.
void Regions(google::protobuf::RepeatedPtrField<ir::DfxOp>* ops, std::vector<ir::TensorRegion*>* out) {
  for (ir::DfxOp& op : *ops) {
    if (op.has_tile_loop()) Regions(op.mutable_tile_loop()->mutable_body(), out);
    if (op.has_data_move()) {
      out->push_back(op.mutable_data_move()->mutable_source());
      out->push_back(op.mutable_data_move()->mutable_destination());
    }
    if (op.has_compute()) {
      for (ir::TensorRegion& r : *op.mutable_compute()->mutable_inputs()) out->push_back(&r);
      out->push_back(op.mutable_compute()->mutable_output());
    }
  }
}

std::vector<ir::TensorRegion*> AllRegions(Program& p) {
  std::vector<ir::TensorRegion*> out;
  for (ir::KPUOp& op : *p.proto.mutable_operations()->mutable_ops()) Regions(op.mutable_dfx(), &out);
  return out;
}

// `bytes` read and loaded, then run on `engine`; the output in `y`.
absl::Status RunObject(const std::string& bytes, const std::vector<std::vector<float>>& feeds, runtime::Engine engine,
                 std::vector<float>* y) {
  auto program = runtime::ReadObject(bytes);
  if (!program.ok()) return program.status();
  auto exec = runtime::Executor::Load(*program, nullptr);
  if (!exec.ok()) return exec.status();
  const ir::KPUProgram& p = program->proto;
  std::vector<runtime::HostTensor> in;
  for (int i = 0; i < p.metadata().input_ids_size(); ++i) {
    for (const auto& t : p.tensors().tensors()) {
      if (t.name() == p.metadata().input_ids(i)) {
        in.push_back({t.name(), ir::FLOAT32, ToShape(t.shape()), const_cast<float*>(feeds[i].data()),
                      feeds[i].size() * sizeof(float)});
      }
    }
  }
  Shape out_shape;
  for (const auto& t : p.tensors().tensors()) {
    if (t.name() == p.metadata().output_ids(0)) out_shape = ToShape(t.shape());
  }
  y->assign(NumElements(out_shape), 0.0f);
  runtime::ExecuteOptions options;
  options.engine = engine;
  return (*exec)->Execute(in, {{p.metadata().output_ids(0), ir::FLOAT32, out_shape, y->data(), y->size() * sizeof(float)}},
                          options);
}

TEST(ConvLayout, FlippingAnyNhwcRegionToRowMajorIsRefusedByTheInterpreter) {
  for (ir::Dataflow df : kDataflows) {
    const std::string flow = ir::Dataflow_Name(df);
    Compiled c = CompileConv(df);
    std::vector<float> y;
    // The unedited program: all three engines agree with the reference.
    for (runtime::Engine e : {runtime::Engine::kFast, runtime::Engine::kDfxInterpreter,
                              runtime::Engine::kDfxInterpreterReordered}) {
      ASSERT_TRUE(RunObject(compiler::WriteObject(c.program), c.feeds, e, &y).ok()) << flow;
      testing::ExpectClose(y, c.ref, flow + " unedited");
    }
    const std::vector<ir::TensorRegion*> regions = AllRegions(c.program);
    std::vector<size_t> nhwc;
    for (size_t i = 0; i < regions.size(); ++i) {
      if (regions[i]->layout() == ir::LAYOUT_NHWC) nhwc.push_back(i);
    }
    // The window's and the weights' loads into L1 and the CONV2D_TILE operands at the least.
    ASSERT_GE(nhwc.size(), 4u) << flow;
    for (size_t k : nhwc) {
      const ir::TensorRegion& original = *regions[k];
      const std::string what = flow + ", region " + std::to_string(k) + " ('" + original.tensor() + "' in " +
                               LevelName(original.level()) + ") flipped to row-major";
      const std::string bytes = testing::EditedObject(c.program, [&](Program& p) {
        AllRegions(p)[k]->set_layout(ir::LAYOUT_ROW_MAJOR);
      });
      // Nothing but the interpreter can tell (the fast path runs whole ops): it still loads and runs.
      ASSERT_TRUE(RunObject(bytes, c.feeds, runtime::Engine::kFast, &y).ok()) << what;
      testing::ExpectClose(y, c.ref, what + ", fast path");
      for (runtime::Engine e : {runtime::Engine::kDfxInterpreter, runtime::Engine::kDfxInterpreterReordered}) {
        const absl::Status s = RunObject(bytes, c.feeds, e, &y);
        EXPECT_FALSE(s.ok()) << what << ": the interpreter ran a tile read in another layout than it is stored in";
        // Either the flipped reader meets the NHWC tile, or the NHWC reader the tile the flipped
        // move stored row-major.
        EXPECT_THAT(std::string(s.message()),
                    AllOf(HasSubstr("'" + original.tensor() + "'"), HasSubstr("is stored LAYOUT_"),
                          HasSubstr("LAYOUT_ROW_MAJOR"), HasSubstr("LAYOUT_NHWC")))
            << what;
      }
    }
  }
}

// The validator: a layout it does not know, NHWC on a region whose rank is not 4, and NHWC where
// the tensor is held whole (DRAM) are refused at load time, naming the op and the region.
TEST(ConvLayout, TheValidatorRefusesLayoutsThatCannotBe) {
  Compiled c = CompileConv(ir::OUTPUT_STATIONARY);
  std::string conv_op;
  for (const ir::KPUOp& op : c.program.proto.operations().ops()) {
    if (op.op_type() == "conv2d") conv_op = op.id();
  }
  ASSERT_FALSE(conv_op.empty());
  struct Edit {
    std::string what;
    std::function<bool(ir::TensorRegion&)> apply;  // false: not this region
    std::vector<std::string> message;
  };
  const std::vector<Edit> edits = {
      {"unknown layout",
       [](ir::TensorRegion& r) {
         if (r.tensor() != "x" || r.level() != ir::L1) return false;
         r.set_layout(static_cast<ir::Layout>(7));
         return true;
       },
       {"region of 'x' in L1 has unknown layout 7"}},
      {"NHWC bias (rank 1)",
       [](ir::TensorRegion& r) {
         if (r.tensor() != "b") return false;
         r.set_layout(ir::LAYOUT_NHWC);
         return true;
       },
       {"region of 'b' in", "is LAYOUT_NHWC, which needs rank 4, but has rank 1"}},
      {"NHWC in DRAM",
       [](ir::TensorRegion& r) {
         if (r.tensor() != "x" || r.level() != ir::EXTERNAL) return false;
         r.set_layout(ir::LAYOUT_NHWC);
         return true;
       },
       {"names 'x' in EXTERNAL as LAYOUT_NHWC", "DRAM holds the tensor row-major"}},
  };
  for (const Edit& e : edits) {
    bool edited = false;
    const std::string bytes = testing::EditedObject(c.program, [&](Program& p) {
      for (ir::TensorRegion* r : AllRegions(p)) {
        if (!edited) edited = e.apply(*r);
      }
    });
    ASSERT_TRUE(edited) << e.what << ": the compiled conv has no such region";
    auto program = runtime::ReadObject(bytes);
    ASSERT_FALSE(program.ok()) << e.what << " was accepted";
    EXPECT_THAT(std::string(program.status().message()), HasSubstr("op '" + conv_op + "': DFX op ")) << e.what;
    for (const std::string& m : e.message) EXPECT_THAT(std::string(program.status().message()), HasSubstr(m)) << e.what;
  }
}

// With L1 the only SRAM level the window goes from DRAM straight into NHWC L1 (the DMA converts):
// every conv variant in every dataflow agrees across the fast path and both interpreter orders.
TEST(ConvLayout, EveryConvVariantAgreesWhenTheDmaConverts) {
  ir::KPUConfig l1_only = *PresetConfig("minimal");
  auto* memory = l1_only.mutable_memory();
  for (int i = memory->size() - 1; i >= 0; --i) {
    if (memory->Get(i).level() == ir::L2 || memory->Get(i).level() == ir::L3) memory->DeleteSubrange(i, 1);
  }
  for (const testing::ConvCase& cc : testing::ConvVariants()) {
    for (ir::Dataflow df : kDataflows) {
      std::vector<std::vector<float>> feeds;
      std::vector<float> ref;
      const ir::Graph g = testing::ConvCaseGraph(cc, &feeds, &ref);
      const std::string what = cc.what + " " + ir::Dataflow_Name(df) + " on L1 only";
      testing::RunResult r = testing::CompileAndRunAll(g, l1_only, feeds, df);
      EXPECT_GT(testing::NhwcRegions(r.program), 0) << what;
      testing::ExpectClose(r.fast, ref, what + " fast");
      testing::ExpectClose(r.interpreted, ref, what + " interpreted");
    }
  }
}

// The JSON view names every NHWC region; the loader's schedule shows each converting move.
TEST(ConvLayout, TheViewsShowLayoutsAndConversions) {
  for (ir::Dataflow df : kDataflows) {
    Compiled c = CompileConv(df);
    auto json = ToJson(c.program.proto, false);
    ASSERT_TRUE(json.ok()) << json.status();
    EXPECT_THAT(*json, HasSubstr("\"layout\": \"LAYOUT_NHWC\"")) << ir::Dataflow_Name(df);
    auto exec = runtime::Executor::Load(c.program, nullptr);
    ASSERT_TRUE(exec.ok()) << exec.status();
    const std::string schedule = (*exec)->ScheduleText();
    // minimal has L3 and L2: the window and the weights convert on the Streamer hop from L2.
    EXPECT_THAT(schedule, HasSubstr("LOAD x@L2")) << ir::Dataflow_Name(df);
    EXPECT_THAT(schedule, HasSubstr("-> L1 as LAYOUT_NHWC via STREAMER")) << ir::Dataflow_Name(df);
    EXPECT_THAT(schedule, HasSubstr("x@L1")) << ir::Dataflow_Name(df);
  }
}

}  // namespace
}  // namespace kpu
