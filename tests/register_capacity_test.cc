// Decision 8: REGISTER holds at most what the array holds, R x C accumulators per fold (issue 5:
// "the tiler can pick a 64x32 REGISTER tile on a 32-row array and nothing checks it"). The tiler
// never emits a larger REGISTER tile, on any preset, dataflow or shape; a program whose tiles fill
// a 16x16 array is refused on an 8x8 one, at load and, if nothing refused it there, by the
// interpreter itself. (A hand-edited file with too large a tile: hostile_programs_test.cc.)
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/errors.h"
#include "kpu/runtime/dfx_interpreter.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/op_samples.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

ir::Graph Gemm(int64_t m, int64_t n, int64_t k, bool bias) {
  ir::Graph g;
  g.set_name("gemm " + std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k));
  testing::AddInput(&g, "A", {m, k});
  testing::AddConstant(&g, "B", {k, n}, testing::RandomValues(k * n, 0.5f, 3));
  std::vector<std::string> in = {"A", "B"};
  if (bias) {
    testing::AddConstant(&g, "bias", {n}, testing::RandomValues(n, 0.5f, 4));
    in.push_back("bias");
  }
  testing::AddNode(&g, "matmul", in, "C");
  g.add_outputs("C");
  return g;
}

ir::Graph Conv(int64_t c, int64_t hw, int64_t oc, int64_t kernel, int64_t stride, int64_t groups) {
  ir::Graph g;
  g.set_name("conv " + std::to_string(c) + "->" + std::to_string(oc) + " k" + std::to_string(kernel) + " s" +
             std::to_string(stride) + " g" + std::to_string(groups));
  testing::AddInput(&g, "x", {1, c, hw, hw});
  testing::AddConstant(&g, "w", {oc, c / groups, kernel, kernel},
                       testing::RandomValues(oc * (c / groups) * kernel * kernel, 0.5f, 5));
  ir::Node* n = testing::AddNode(&g, "conv2d", {"x", "w"}, "y");
  for (int64_t s : {stride, stride}) (*n->mutable_attributes())["stride"].mutable_ints()->add_values(s);
  for (int i = 0; i < 4; ++i) (*n->mutable_attributes())["padding"].mutable_ints()->add_values(kernel / 2);
  (*n->mutable_attributes())["groups"].set_i(groups);
  g.add_outputs("y");
  return g;
}

// The largest REGISTER region of a program, and the first one over `capacity`.
class RegisterRegions : public DfxVisitor {
 public:
  explicit RegisterRegions(int64_t capacity) : capacity_(capacity) {}
  absl::Status OnDataMove(const ir::DfxOp& op, const ir::DataMove& move, const Place& src, const Place& dst) override {
    See(op, move.source(), src);
    See(op, move.destination(), dst);
    return absl::OkStatus();
  }
  absl::Status OnCompute(const ir::DfxOp& op, const ir::Compute& c, const std::vector<Place>& in,
                         const Place& out) override {
    for (int i = 0; i < c.inputs_size(); ++i) See(op, c.inputs(i), in[i]);
    See(op, c.output(), out);
    return absl::OkStatus();
  }
  void SetOp(std::string op) { op_ = std::move(op); }
  int64_t largest = 0;
  std::string too_large;

 private:
  void See(const ir::DfxOp& op, const ir::TensorRegion& r, const Place& p) {
    if (r.level() != ir::REGISTER) return;
    largest = std::max(largest, p.NumElements());
    if (p.NumElements() > capacity_ && too_large.empty()) {
      too_large = "op '" + op_ + "', DFX op " + std::to_string(op.op_id()) + ": " + FormatPlace(p) + " of '" +
                  r.tensor() + "'";
    }
  }
  int64_t capacity_;
  std::string op_;
};

// Compiles `g` and walks every REGISTER region; returns the largest (0 if it did not compile).
int64_t LargestRegisterTile(const ir::Graph& g, const ir::KPUConfig& config, ir::Dataflow dataflow) {
  const std::string what = g.name() + " on " + config.name() + ", " + ir::Dataflow_Name(dataflow);
  compiler::CompileOptions options;
  options.dataflow = dataflow;
  auto program = compiler::Compile(g, config, options);
  EXPECT_TRUE(program.ok()) << what << ": " << program.status();
  if (!program.ok()) return 0;
  ShapeTable shapes;
  for (const auto& t : program->proto.tensors().tensors()) shapes[t.name()] = ToShape(t.shape());
  const int64_t capacity = static_cast<int64_t>(config.compute().array_rows()) * config.compute().array_cols();
  RegisterRegions regions(capacity);
  for (const ir::KPUOp& op : program->proto.operations().ops()) {
    regions.SetOp(op.id());
    EXPECT_TRUE(WalkDfx(op.dfx(), shapes, regions).ok()) << what;
  }
  EXPECT_TRUE(regions.too_large.empty()) << what << ": a REGISTER tile larger than the " << config.compute().array_rows()
                                         << "x" << config.compute().array_cols() << " array: " << regions.too_large;
  return regions.largest;
}

TEST(RegisterCapacity, TheTilerNeverEmitsARegisterTileLargerThanTheArray) {
  std::vector<ir::Graph> graphs;
  for (int64_t m : {1, 7, 16, 33, 100, 256}) {
    for (int64_t n : {1, 9, 32, 130}) {
      for (int64_t k : {5, 64, 300}) graphs.push_back(Gemm(m, n, k, (m + n) % 2 == 0));
    }
  }
  for (const auto& [c, hw, oc, kernel, stride, groups] :
       std::vector<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>>{
           {3, 32, 16, 3, 1, 1}, {16, 14, 64, 1, 1, 1}, {24, 15, 48, 3, 2, 1}, {32, 12, 32, 3, 1, 32},
           {16, 9, 40, 5, 1, 4}, {64, 7, 100, 3, 1, 1}}) {
    graphs.push_back(Conv(c, hw, oc, kernel, stride, groups));
  }
  // Every other op too: window ops and conv_transpose2d must not stage more in REGISTER either.
  for (const std::string& op : testing::SampledOps()) graphs.push_back(*testing::OpSample(op));
  for (const std::string& preset : PresetNames()) {
    const ir::KPUConfig config = *PresetConfig(preset);
    const int64_t capacity = static_cast<int64_t>(config.compute().array_rows()) * config.compute().array_cols();
    int64_t largest = 0;
    for (ir::Dataflow d : {ir::DATAFLOW_UNSPECIFIED, ir::OUTPUT_STATIONARY, ir::WEIGHT_STATIONARY, ir::INPUT_STATIONARY}) {
      for (const ir::Graph& g : graphs) largest = std::max(largest, LargestRegisterTile(g, config, d));
    }
    // The bound is reached: the sweep has tiles that fill the array exactly, so it tests the limit.
    EXPECT_EQ(largest, capacity) << preset;
  }
}

// A GEMM whose accumulator tiles fill swkpu-v1's 16x16 array, and the same config with 8x8.
struct SixteenOnEight {
  Program program;
  ir::KPUConfig small;
};

SixteenOnEight CompileForSixteenRunOnEight() {
  const ir::KPUConfig config = DefaultConfig();
  EXPECT_EQ(config.compute().array_rows(), 16u);
  EXPECT_EQ(config.compute().array_cols(), 16u);
  auto program = compiler::Compile(Gemm(64, 64, 64, false), config, {});
  EXPECT_TRUE(program.ok()) << program.status();
  ir::KPUConfig small = config;
  small.set_name("swkpu-v1 with an 8x8 array");
  small.mutable_compute()->set_array_rows(8);
  small.mutable_compute()->set_array_cols(8);
  EXPECT_TRUE(ValidateConfig(small).ok());
  return {program.ok() ? *program : Program{}, small};
}

TEST(RegisterCapacity, AProgramTiledForALargerArrayIsRefusedAtLoad) {
  const SixteenOnEight s = CompileForSixteenRunOnEight();
  // On its own target it loads.
  ASSERT_TRUE(runtime::Executor::Load(s.program, nullptr).ok());
  auto exec = runtime::Executor::Load(s.program, &s.small);
  ASSERT_FALSE(exec.ok());
  EXPECT_EQ(KindOf(exec.status()), ErrorKind::kMemoryExceeded) << exec.status();
  EXPECT_THAT(std::string(exec.status().message()),
              AllOf(HasSubstr("REGISTER memory exceeded"), HasSubstr("256 elements"), HasSubstr("8x8 array"),
                    HasSubstr("holds 64")));
}

// The interpreter does not trust that anything checked before it: run directly on the 8x8 config,
// the first accumulator tile is refused with the interpreter's own message.
TEST(RegisterCapacity, TheInterpreterRefusesAnAccumulatorTileLargerThanTheArray) {
  const SixteenOnEight s = CompileForSixteenRunOnEight();
  ASSERT_EQ(s.program.proto.operations().ops_size(), 1);
  std::vector<std::vector<float>> storage;
  storage.reserve(s.program.proto.tensors().tensors_size());  // the views below point into it
  runtime::DramTensors dram;
  for (const auto& t : s.program.proto.tensors().tensors()) {
    storage.emplace_back(NumElements(ToShape(t.shape())), 1.0f);
    dram[t.name()] = {ToShape(t.shape()), t.dtype(), storage.back().data()};
  }
  const ir::KPUOp& op = s.program.proto.operations().ops(0);
  // On the array it was tiled for, the kernel runs.
  ASSERT_TRUE(runtime::InterpretKernel(op, DefaultConfig(), dram).ok());
  for (auto order : {runtime::InterpreterOrder::kProgram, runtime::InterpreterOrder::kLatestReadyFirst}) {
    const absl::Status status = runtime::InterpretKernel(op, s.small, dram, order);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(KindOf(status), ErrorKind::kMemoryExceeded) << status;
    EXPECT_THAT(std::string(status.message()),
                AllOf(HasSubstr("REGISTER memory exceeded: 256 elements required, 64 available"),
                      HasSubstr("8x8 array"), HasSubstr(op.id())));
  }
}

}  // namespace
}  // namespace kpu
