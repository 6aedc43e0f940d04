// Hand-made hostile `.kpu` files with valid checksums (issue 6, point 4): each one once crashed,
// hung or exhausted memory in a loader, the interpreter or the cost model. Each goes through the
// C ABI the way a deployment service would (kpu_program_deserialize, kpu_load, kpu_execute) and
// must come back as an error whose message names the problem, promptly and without allocating
// what the file merely claims.
#include <sys/resource.h>

#include <chrono>
#include <limits>
#include <cstdlib>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"
#include "kpu/ir/object_format.h"
#include "kpu/testing/program_surgery.h"

namespace kpu {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::CompiledMlp;
using testing::EditedObject;
using testing::FindCompute;
using testing::FindTensor;

// Where a file was stopped, and why.
struct Outcome {
  std::string stage;  // "deserialize", "load", "execute" or "ran"
  kpu_status status = KPU_OK;
  std::string message;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << o.stage << ": " << kpu_status_name(o.status) << ": " << o.message;
}

// Runs `.kpu` bytes as far as they go: deserialize, load, then execute the MLP's signature with
// every engine.
Outcome RunObject(const std::string& bytes) {
  kpu_program* program = nullptr;
  if (kpu_status s = kpu_program_deserialize(bytes.data(), bytes.size(), &program); s != KPU_OK) {
    return {"deserialize", s, kpu_last_error()};
  }
  kpu_runtime* runtime = nullptr;
  kpu_status s = kpu_load(program, nullptr, &runtime);
  kpu_program_destroy(program);
  if (s != KPU_OK) return {"load", s, kpu_last_error()};
  std::vector<float> x(2 * 784, 0.5f), y(2 * 10);
  const int64_t x_dims[2] = {2, 784}, y_dims[2] = {2, 10};
  kpu_tensor in = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, x_dims, x.data(), x.size() * sizeof(float)};
  kpu_tensor out = {sizeof(kpu_tensor), "probs", KPU_DTYPE_FLOAT32, 2, y_dims, y.data(), y.size() * sizeof(float)};
  Outcome outcome{"ran"};
  for (kpu_engine engine : {KPU_ENGINE_FAST, KPU_ENGINE_DFX_INTERPRETER, KPU_ENGINE_DFX_INTERPRETER_REORDERED}) {
    kpu_execute_options options;
    kpu_execute_options_init(&options);
    options.engine = engine;
    if (kpu_status e = kpu_execute(runtime, &in, 1, &out, 1, &options); e != KPU_OK) {
      outcome = {"execute", e, kpu_last_error()};
      break;
    }
  }
  kpu_runtime_destroy(runtime);
  return outcome;
}

double Seconds(const std::chrono::steady_clock::time_point& since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(HostilePrograms, TheUneditedProgramRuns) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program&) {}));
  EXPECT_EQ(o.stage, "ran") << o;
}

// Once: heap reads past the end in AddKernel (the second operand did not exist).
TEST(HostilePrograms, ElementwiseAddWithOneInputIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    ir::Compute* add = FindCompute(p, ir::Compute::ELEMENTWISE, "add");
    ASSERT_NE(add, nullptr);
    add->mutable_inputs()->RemoveLast();
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_EQ(o.status, KPU_ERROR_INVALID_PROGRAM) << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("add"), HasSubstr("takes 2 inputs, got 1"))) << o;
}

// Found by program_structured_fuzzer (tests/fuzz/regressions/program/): a relu tile whose output
// region said FLOAT16 in an fp32 program got an fp16-sized buffer, and the fp32 kernel wrote past
// its end (heap-buffer-overflow in the interpreter).
TEST(HostilePrograms, ATileOutputInAnotherDtypeIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    ir::Compute* relu = FindCompute(p, ir::Compute::ELEMENTWISE, "relu");
    ASSERT_NE(relu, nullptr);
    relu->mutable_output()->set_dtype(ir::FLOAT16);
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_EQ(o.status, KPU_ERROR_INVALID_PROGRAM) << o;
  EXPECT_THAT(o.message, HasSubstr("names 'a1' in REGISTER as float16, but the tensor is float32")) << o;
}

// Once: heap reads past the end in sim::MatmulCost, and a segfault in the interpreter.
TEST(HostilePrograms, MatmulTileWithOneInputIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    ir::Compute* mm = FindCompute(p, ir::Compute::MATMUL_TILE);
    ASSERT_NE(mm, nullptr);
    mm->mutable_inputs()->RemoveLast();
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, HasSubstr("MATMUL_TILE takes 2 inputs, has 1")) << o;
}

// A tile whose output is not what its function computes from its inputs: the kernel would write
// past the smaller buffer (once: an out-of-bounds write, then "double free or corruption").
TEST(HostilePrograms, SoftmaxOutputTileSmallerThanItsInputIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    ir::Compute* sm = FindCompute(p, ir::Compute::SOFTMAX_TILE);
    ASSERT_NE(sm, nullptr);
    ir::RegionDim* last = sm->mutable_output()->mutable_dims(sm->output().dims_size() - 1);
    last->set_extent(last->extent() / 2);
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("softmax"), HasSubstr("output tile"), HasSubstr("computes"))) << o;
}

// Issue 5: a tiler could pick a 64x32 REGISTER tile on a 32-row array. A MATMUL_TILE whose
// accumulator tile (and the A rows feeding it) is twice as tall as the 16x16 array: twice the
// accumulators the array has.
TEST(HostilePrograms, ARegisterTileLargerThanTheArrayIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    const ir::ComputeConfig& array = p.proto.metadata().target_config().compute();
    ASSERT_EQ(array.array_rows() * array.array_cols(), 256u);
    ir::Compute* mm = FindCompute(p, ir::Compute::MATMUL_TILE);
    ASSERT_NE(mm, nullptr);
    ASSERT_EQ(mm->output().level(), ir::REGISTER);
    ASSERT_EQ(mm->output().dims_size(), 2);
    mm->mutable_output()->mutable_dims(0)->set_extent(2 * array.array_rows());
    mm->mutable_output()->mutable_dims(1)->set_extent(array.array_cols());
    mm->mutable_inputs(0)->mutable_dims(0)->set_extent(2 * array.array_rows());
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_EQ(o.status, KPU_ERROR_INVALID_PROGRAM) << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("in REGISTER: 512 elements"), HasSubstr("16x16 array"),
                               HasSubstr("holds 256"))) << o;
}

// Once: pointer overflow in Executor::Bind, then heap writes out of bounds in SoftmaxKernel with
// kpu_execute returning OK.
// The first activation (neither input, output nor weight) of the program.
std::string AnActivation() {
  Program p = CompiledMlp();
  for (const ir::TensorDescriptor& t : p.proto.tensors().tensors()) {
    if (t.kind() == ir::TensorDescriptor::ACTIVATION) return t.name();
  }
  ADD_FAILURE() << "the MLP has no activation tensor";
  return "x";
}

// An activation homed on chip (residency) is placed by its home offset, not its arena offset: the
// hostile offset goes where the tensor actually lives.
TEST(HostilePrograms, ArenaOrHomeOffsetNear2To64IsRejected) {
  for (const std::string& tensor : {std::string("probs"), AnActivation(), std::string("x")}) {
    bool homed = false;
    const Outcome o = RunObject(EditedObject(CompiledMlp(), [&](Program& p) {
      ir::TensorDescriptor* t = FindTensor(p, tensor);
      ASSERT_NE(t, nullptr);
      homed = t->home() != ir::EXTERNAL;
      if (homed) {
        t->set_home_offset(~uint64_t{0} - 7);
      } else {
        t->set_arena_offset(~uint64_t{0} - 7);
      }
    }));
    EXPECT_EQ(o.stage, "deserialize") << o;
    EXPECT_EQ(o.status, KPU_ERROR_INVALID_PROGRAM) << o;
    EXPECT_THAT(o.message, AllOf(HasSubstr(tensor), HasSubstr(homed ? "capacity" : "arena"))) << o;
  }
}

// An offset inside the declared arena whose tensor runs past its end.
TEST(HostilePrograms, TensorRunningPastTheDeclaredArenaIsRejected) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    const uint64_t arena = p.proto.metadata().peak_dram_bytes() - p.weights.size();
    FindTensor(p, "probs")->set_arena_offset(arena - 8);
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("probs"), HasSubstr("arena"))) << o;
}

ir::DfxOp EmptyLoopNest(const std::vector<int64_t>& trips) {
  ir::DfxOp outer;
  ir::DfxOp* at = &outer;
  for (size_t i = 0; i < trips.size(); ++i) {
    at->set_op_id(1'000'000 + i);  // ids the compiled kernel does not use
    ir::TileLoop* loop = at->mutable_tile_loop();
    loop->set_induction_var("hostile" + std::to_string(i));
    loop->set_start(0);
    loop->set_end(trips[i]);
    loop->set_step(1);
    if (i + 1 < trips.size()) at = loop->add_body();
  }
  return outer;
}

// Once: kpu_program_deserialize never returned (10^12 empty iterations).
TEST(HostilePrograms, EmptyNestedTileLoopsAreRejectedPromptly) {
  for (const std::vector<int64_t>& trips : std::vector<std::vector<int64_t>>{
           {10'000, 100'000'000}, {100'000, 100'000, 100'000}, {1'000'000'000'000'000}}) {
    const auto start = std::chrono::steady_clock::now();
    const Outcome o = RunObject(EditedObject(CompiledMlp(), [&](Program& p) {
      *p.proto.mutable_operations()->mutable_ops(0)->add_dfx() = EmptyLoopNest(trips);
    }));
    EXPECT_LT(Seconds(start), 5.0);
    EXPECT_EQ(o.stage, "deserialize") << o;
    EXPECT_THAT(o.message, AllOf(HasSubstr("steps"), HasSubstr("limit"))) << o;
  }
}

// Found by program_structured_fuzzer (tests/fuzz/regressions/program/): a loop ending near 2^63
// overflowed the trip count (end - start + step - 1) and the induction variable (i += step). Two
// iterations, 0 and 2^62, are what it takes.
TEST(HostilePrograms, ALoopEndingNear2To63TakesItsTwoTrips) {
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [&](Program& p) {
    ir::DfxOp loop = EmptyLoopNest({std::numeric_limits<int64_t>::max()});
    loop.mutable_tile_loop()->set_step(int64_t{1} << 62);
    *p.proto.mutable_operations()->mutable_ops(0)->add_dfx() = loop;
  }));
  EXPECT_EQ(o.stage, "ran") << o;
}

// The same 10^15 iterations with work in the innermost loop.
TEST(HostilePrograms, ANestClaiming1e15IterationsIsRejectedPromptly) {
  const auto start = std::chrono::steady_clock::now();
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [&](Program& p) {
    ir::DfxOp nest = EmptyLoopNest({100'000, 100'000, 100'000});
    ir::TileLoop* inner = nest.mutable_tile_loop()->mutable_body(0)->mutable_tile_loop()->mutable_body(0)->mutable_tile_loop();
    ir::DfxOp* spin = inner->add_body();
    spin->set_op_id(2'000'000);
    spin->mutable_barrier()->set_label("spin");
    *p.proto.mutable_operations()->mutable_ops(0)->add_dfx() = nest;
  }));
  EXPECT_LT(Seconds(start), 5.0);
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("steps, more than the limit"), HasSubstr("op '"))) << o;
}

int64_t MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Once: a 1 KB file made kpu_load allocate 8.4 GB. A file that declares a big arena consistently
// (tensor, metadata and a config whose DRAM holds it) passes the validator; the host-memory limit
// stops it before anything is allocated.
TEST(HostilePrograms, AnArenaBeyondTheHostMemoryLimitIsNotAllocated) {
  const uint64_t eight_gib = uint64_t{8} << 30;
  const std::string bytes = EditedObject(CompiledMlp(), [&](Program& p) {
    ir::TensorDescriptor* probs = FindTensor(p, "probs");
    probs->set_arena_offset(eight_gib - 80);
    p.proto.mutable_metadata()->set_peak_dram_bytes(eight_gib + p.weights.size());
    for (ir::MemoryLevelConfig& m : *p.proto.mutable_metadata()->mutable_target_config()->mutable_memory()) {
      if (m.level() == ir::EXTERNAL) m.set_bytes_per_instance(uint64_t{64} << 30);
    }
  });
  const int64_t rss_before = MaxRssKb();
  const Outcome o = RunObject(bytes);
  EXPECT_EQ(o.stage, "load") << o;
  EXPECT_EQ(o.status, KPU_ERROR_MEMORY_EXCEEDED) << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("host memory"), HasSubstr("KPU_MAX_HOST_MEMORY_BYTES"))) << o;
  EXPECT_LT(MaxRssKb() - rss_before, 512 * 1024) << "kpu_load allocated what the file claimed";
}

// The limit is the caller's: lowered below a real program's needs, that program is refused too;
// a malformed value is an error, not a silent default.
TEST(HostilePrograms, TheHostMemoryLimitIsConfigurable) {
  const std::string bytes = EditedObject(CompiledMlp(), [](Program&) {});
  setenv("KPU_MAX_HOST_MEMORY_BYTES", "1000", 1);
  Outcome o = RunObject(bytes);
  EXPECT_EQ(o.stage, "load") << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("host memory"), HasSubstr("1000"))) << o;
  setenv("KPU_MAX_HOST_MEMORY_BYTES", "lots", 1);
  o = RunObject(bytes);
  EXPECT_EQ(o.stage, "load") << o;
  EXPECT_THAT(o.message, HasSubstr("KPU_MAX_HOST_MEMORY_BYTES='lots'")) << o;
  setenv("KPU_MAX_HOST_MEMORY_BYTES", "1073741824", 1);
  EXPECT_EQ(RunObject(bytes).stage, "ran");
  unsetenv("KPU_MAX_HOST_MEMORY_BYTES");
}

// TileLoops nested past the walker's depth limit, and deeper than protobuf parses.
TEST(HostilePrograms, DeepStructuresAreRejected) {
  for (int depth : {17, 60, 5000}) {
    const Outcome o = RunObject(EditedObject(CompiledMlp(), [&](Program& p) {
      *p.proto.mutable_operations()->mutable_ops(0)->add_dfx() = EmptyLoopNest(std::vector<int64_t>(depth, 1));
    }));
    EXPECT_EQ(o.stage, "deserialize") << depth << ": " << o;
    EXPECT_EQ(o.status, KPU_ERROR_INVALID_PROGRAM) << o;
    EXPECT_THAT(o.message, ::testing::AnyOf(HasSubstr("nested deeper than 16"), HasSubstr("not a valid protobuf")))
        << depth << ": " << o;
  }
}

// A graph file that chains 300000 nodes into a cycle: finding the cycle walks the whole chain,
// which a recursive search turned into a stack overflow.
TEST(HostilePrograms, ALongCyclicGraphIsRejectedWithoutRecursion) {
  constexpr int kNodes = 300000;
  ir::Graph g;
  g.set_name("ring");
  ir::Tensor* x = g.add_tensors();
  x->set_name("x");
  x->set_dtype(ir::FLOAT32);
  x->add_shape(4);
  g.add_inputs("x");
  for (int i = 0; i < kNodes; ++i) {
    ir::Node* n = g.add_nodes();
    n->set_name("n" + std::to_string(i));
    n->set_op_type("add");
    n->add_inputs("x");
    n->add_inputs("t" + std::to_string((i + kNodes - 1) % kNodes));
    n->add_outputs("t" + std::to_string(i));
  }
  g.add_outputs("t0");
  const std::string bytes = g.SerializeAsString();
  kpu_graph* graph = nullptr;
  ASSERT_EQ(kpu_graph_parse(bytes.data(), bytes.size(), nullptr, &graph), KPU_OK) << kpu_last_error();
  kpu_program* p = nullptr;
  EXPECT_EQ(kpu_compile(graph, nullptr, nullptr, &p), KPU_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(kpu_last_error(), HasSubstr("graph has a cycle through node"));
  EXPECT_EQ(p, nullptr);
  kpu_graph_destroy(graph);
}

// Dependencies must name ops that exist and point forward; a cycle between ops is rejected.
TEST(HostilePrograms, CyclicAndDanglingDependenciesAreRejected) {
  Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    const auto& ops = p.proto.operations().ops();
    ir::DependencyEdge* back = p.proto.mutable_dependencies()->add_edges();
    back->set_from_op(ops[ops.size() - 1].id());
    back->set_to_op(ops[0].id());
    back->set_tensor("x");
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, HasSubstr("cycle")) << o;
  o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    p.proto.mutable_operations()->mutable_ops(0)->mutable_dfx(0)->add_depends_on(987654321);
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, HasSubstr("987654321")) << o;
}

// Once: 32 bytes of every file (header flags, padding) were covered by no checksum. Now every byte
// outside a checksummed section has one allowed value, so flipping any of them is caught.
TEST(HostilePrograms, EveryByteOutsideTheSectionsIsChecked) {
  const std::string good = EditedObject(CompiledMlp(), [](Program&) {});
  auto sections = DecodeContainer(good);
  ASSERT_TRUE(sections.ok()) << sections.status();
  // Section bodies are whatever the CRCs say; everything else is header, table or padding.
  std::vector<bool> in_section(good.size(), false);
  const uint32_t count = static_cast<uint32_t>(sections->size());
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = kHeaderBytes + kSectionEntryBytes * i;
    uint64_t offset = 0, size = 0;
    for (int b = 0; b < 8; ++b) offset |= uint64_t{static_cast<uint8_t>(good[entry + 8 + b])} << (8 * b);
    for (int b = 0; b < 8; ++b) size |= uint64_t{static_cast<uint8_t>(good[entry + 16 + b])} << (8 * b);
    for (uint64_t k = offset; k < offset + size; ++k) in_section[k] = true;
  }
  int checked = 0, padding = 0;
  for (size_t at = 0; at < good.size(); ++at) {
    if (in_section[at]) continue;
    if (at >= kHeaderBytes + kSectionEntryBytes * count) ++padding;
    for (uint8_t flip : {0x01, 0x80}) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ flip);
      kpu_program* p = nullptr;
      EXPECT_EQ(kpu_program_deserialize(bad.data(), bad.size(), &p), KPU_ERROR_INVALID_PROGRAM)
          << "byte " << at << " ^ " << int{flip} << " was accepted";
      EXPECT_EQ(p, nullptr);
      ++checked;
    }
  }
  EXPECT_GT(padding, 0) << "the test program has no padding before its weights; the test proves less";
  EXPECT_GT(checked, 2 * (kHeaderBytes + kSectionEntryBytes * 5));
  // Bytes after the last section belong to no section either.
  kpu_program* p = nullptr;
  const std::string longer = good + std::string(16, '\0');
  EXPECT_EQ(kpu_program_deserialize(longer.data(), longer.size(), &p), KPU_ERROR_INVALID_PROGRAM);
  EXPECT_THAT(kpu_last_error(), HasSubstr("after the last section"));
  std::string flagged = good;
  flagged[8] = 1;
  EXPECT_EQ(kpu_program_deserialize(flagged.data(), flagged.size(), &p), KPU_ERROR_INVALID_PROGRAM);
  EXPECT_THAT(kpu_last_error(), HasSubstr("flags"));
}

// Once: the compiler accepted shapes every runtime rejects, and [2^32, 2^32] wrapped to 0 bytes.
// Both now apply the same per-tensor limit from kpu/ir/limits.h, with the same words.
TEST(HostilePrograms, TheCompilerRefusesWhatTheRuntimeWouldRefuse) {
  // A config whose DRAM (16 TiB) holds the tensors, so the per-tensor limit is what refuses them.
  kpu_config* preset = nullptr;
  ASSERT_EQ(kpu_config_create_preset("swkpu-v1", &preset), KPU_OK);
  kpu_buffer* json = nullptr;
  ASSERT_EQ(kpu_config_to_json(preset, &json), KPU_OK);
  std::string text(static_cast<const char*>(kpu_buffer_data(json)), kpu_buffer_size(json));
  kpu_buffer_destroy(json);
  kpu_config_destroy(preset);
  const size_t at = text.find("1073741824");  // the DRAM's 1 GiB per instance
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 10, "17592186044416");
  kpu_config* big_dram = nullptr;
  ASSERT_EQ(kpu_config_parse(text.data(), text.size(), &big_dram), KPU_OK) << kpu_last_error();

  const std::vector<std::vector<int64_t>> shapes = {{100000, 100000, 100}, {int64_t{1} << 32, int64_t{1} << 32}};
  for (const std::vector<int64_t>& dims : shapes) {
    // As a graph file (kpu_graph_add_input refuses [2^32, 2^32] already; a file reaches the compiler).
    ir::Graph graph;
    graph.set_name("huge");
    ir::Tensor* x = graph.add_tensors();
    x->set_name("x");
    x->set_dtype(ir::FLOAT32);
    for (int64_t d : dims) x->add_shape(d);
    graph.add_inputs("x");
    ir::Node* relu = graph.add_nodes();
    relu->set_name("r");
    relu->set_op_type("relu");
    relu->add_inputs("x");
    relu->add_outputs("y");
    graph.add_outputs("y");
    const std::string bytes = graph.SerializeAsString();
    kpu_graph* g = nullptr;
    ASSERT_EQ(kpu_graph_parse(bytes.data(), bytes.size(), nullptr, &g), KPU_OK) << kpu_last_error();
    kpu_program* p = nullptr;
    EXPECT_NE(kpu_compile(g, big_dram, nullptr, &p), KPU_OK);
    EXPECT_EQ(p, nullptr);
    EXPECT_THAT(kpu_last_error(), AllOf(HasSubstr("tensor 'x'"), HasSubstr("too large"), HasSubstr("a tensor may have")))
        << dims[0];
    // On the default device, the DRAM is what [100000, 100000, 100] does not fit; still an error.
    EXPECT_NE(kpu_compile(g, nullptr, nullptr, &p), KPU_OK);
    EXPECT_EQ(p, nullptr);
    kpu_graph_destroy(g);
  }
  kpu_config_destroy(big_dram);
  // The runtime says the same of a program that declares such a tensor.
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    ir::TensorDescriptor* t = FindTensor(p, AnActivation());
    t->clear_shape();
    for (int64_t d : {100000, 100000, 100}) t->add_shape(d);
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, AllOf(HasSubstr("tensor '" + AnActivation() + "'"), HasSubstr("too large"),
                               HasSubstr("a tensor may have")))
      << o;
}

// A config with a DRAM bandwidth of 1e-300 GB/s passed "> 0" and overflowed the tiler's casts;
// every numeric field now has a physical range (kpu/ir/config_ranges_test.cc has them all).
TEST(HostilePrograms, ConfigsWithImpossibleBandwidthsAreRejected) {
  kpu_config* preset = nullptr;
  ASSERT_EQ(kpu_config_create_preset("swkpu-v1", &preset), KPU_OK);
  kpu_buffer* json = nullptr;
  ASSERT_EQ(kpu_config_to_json(preset, &json), KPU_OK);
  const std::string text(static_cast<const char*>(kpu_buffer_data(json)), kpu_buffer_size(json));
  kpu_buffer_destroy(json);
  kpu_config_destroy(preset);
  const size_t at = text.find("100");  // the DRAM's 100 GB/s, the first bandwidth listed
  ASSERT_NE(at, std::string::npos);
  for (const char* value : {"1e-300", "4.9e-324"}) {
    std::string bad = text;
    bad.replace(at, 3, value);
    kpu_config* c = nullptr;
    EXPECT_EQ(kpu_config_parse(bad.data(), bad.size(), &c), KPU_ERROR_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(c, nullptr);
    EXPECT_THAT(kpu_last_error(), HasSubstr("memory[EXTERNAL].bandwidth_gbps")) << value;
  }
  // Inside a program, the same config is refused at deserialize.
  const Outcome o = RunObject(EditedObject(CompiledMlp(), [](Program& p) {
    for (ir::MemoryLevelConfig& m : *p.proto.mutable_metadata()->mutable_target_config()->mutable_memory()) {
      if (m.level() == ir::L3) m.set_bandwidth_gbps(4.9e-324);
    }
  }));
  EXPECT_EQ(o.stage, "deserialize") << o;
  EXPECT_THAT(o.message, HasSubstr("memory[L3].bandwidth_gbps")) << o;
}

}  // namespace
}  // namespace kpu
