// Micro-benchmarks of the toolchain's hot paths on the seed-000 MNIST MLP: compiling, running on
// the fast engine and on the DFX interpreter, and the analytical timing model by itself; and
// single fast-path kernels at the sizes of ResNet-18's layers.
//
// Counters, beside Google Benchmark's time and items/s:
//   kpu_cycles, kpu_energy_uJ, kpu_util  what the simulated KPU reports for one run
//   kpu_sim_seconds                     simulated KPU seconds per host wall-clock second
//                                       (printed "/s"): below 1, the simulation runs slower than
//                                       the hardware it models would
//   kpu_ops                             ops in the compiled program (after fusion)
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/object_format.h"
#include "kpu/runtime/executor.h"
#include "kpu/runtime/kernels.h"
#include "kpu/sim/analytical_model.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

constexpr int64_t kInputWidth = 784;
constexpr int64_t kClasses = 10;

// Fails the benchmark rather than the process: the other cases still run and report.
bool CompileMlp(benchmark::State& state, int64_t batch, Program* out) {
  auto program = compiler::Compile(testing::MnistMlp(batch), DefaultConfig(), {});
  if (!program.ok()) {
    state.SkipWithError(std::string(program.status().message()).c_str());
    return false;
  }
  *out = *std::move(program);
  return true;
}

void ReportSimulated(benchmark::State& state, const ir::KPUPerformanceMetrics& m) {
  state.counters["kpu_cycles"] = static_cast<double>(m.total_cycles());
  state.counters["kpu_energy_uJ"] = m.total_energy_uj();
  state.counters["kpu_util"] = m.compute_utilization();
  // An iteration-invariant rate is value * iterations / wall seconds: simulated seconds per
  // real second.
  state.counters["kpu_sim_seconds"] =
      benchmark::Counter(m.total_time_us() * 1e-6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Compile(benchmark::State& state) {
  const int64_t batch = state.range(0);
  // Building the graph (and its random weights) is not part of compiling.
  const ir::Graph graph = testing::MnistMlp(batch);
  const ir::KPUConfig config = DefaultConfig();
  int ops = 0;
  for (auto _ : state) {
    auto program = compiler::Compile(graph, config, {});
    if (!program.ok()) {
      state.SkipWithError(std::string(program.status().message()).c_str());
      break;
    }
    ops = program->proto.operations().ops_size();
    benchmark::DoNotOptimize(program);
  }
  state.SetItemsProcessed(state.iterations());  // items/s = compiles per second
  state.counters["kpu_ops"] = ops;
}
BENCHMARK(BM_Compile)->Arg(1)->Arg(16)->Unit(benchmark::kMicrosecond);

void BM_Execute(benchmark::State& state, runtime::Engine engine) {
  const int64_t batch = state.range(0);
  Program program;
  if (!CompileMlp(state, batch, &program)) return;
  auto executor = runtime::Executor::Load(program, nullptr);
  if (!executor.ok()) {
    state.SkipWithError(std::string(executor.status().message()).c_str());
    return;
  }
  std::vector<float> x = testing::RandomValues(batch * kInputWidth, 1.0f, 7);
  std::vector<float> probs(batch * kClasses);
  const std::vector<runtime::HostTensor> inputs = {
      {"x", ir::FLOAT32, {batch, kInputWidth}, x.data(), x.size() * sizeof(float)}};
  const std::vector<runtime::HostTensor> outputs = {
      {"probs", ir::FLOAT32, {batch, kClasses}, probs.data(), probs.size() * sizeof(float)}};
  runtime::ExecuteOptions options;
  options.engine = engine;
  // The first run also computes the timing model, which later runs reuse; keep it out of the
  // loop so the loop measures the steady state a caller sees.
  if (auto s = (*executor)->Execute(inputs, outputs, options); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  for (auto _ : state) {
    auto s = (*executor)->Execute(inputs, outputs, options);
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(probs.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * batch);  // items/s = samples per second
  ReportSimulated(state, *(*executor)->last_metrics());
}
BENCHMARK_CAPTURE(BM_Execute, fast, runtime::Engine::kFast)->Arg(1)->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Execute, dfx_interpreter, runtime::Engine::kDfxInterpreter)
    ->Arg(16)
    ->Unit(benchmark::kMicrosecond);

// The analytical model alone: what the first Execute of a program pays on top of the kernels.
void BM_EstimateProgram(benchmark::State& state) {
  const int64_t batch = state.range(0);
  Program program;
  if (!CompileMlp(state, batch, &program)) return;
  const ir::KPUConfig config = DefaultConfig();
  ir::KPUPerformanceMetrics last;
  for (auto _ : state) {
    auto m = sim::EstimateProgram(program.proto, config);
    if (!m.ok()) {
      state.SkipWithError(std::string(m.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(m);
    last = *std::move(m);
  }
  state.SetItemsProcessed(state.iterations());  // items/s = estimates per second
  state.counters["kpu_cycles"] = static_cast<double>(last.total_cycles());
  state.counters["kpu_ops"] = program.proto.operations().ops_size();
}
BENCHMARK(BM_EstimateProgram)->Arg(16)->Unit(benchmark::kMicrosecond);

// ResNet-18's max pool (3x3, stride 2, padding 1) on its stem's output, 1x64x112x112, the way the
// fast engine calls it: one kernel on the whole tensor.
void BM_MaxPoolKernel(benchmark::State& state) {
  const Shape x_shape = {1, 64, 112, 112}, y_shape = {1, 64, 56, 56};
  std::vector<float> x = testing::RandomValues(NumElements(x_shape), 1.0f, 3), y(NumElements(y_shape));
  AttrMap attrs;
  for (const char* name : {"kernel", "stride", "padding"}) {
    const int64_t v = name[0] == 'k' ? 3 : name[0] == 's' ? 2 : 1;
    for (int i = 0; i < 2; ++i) attrs[name].mutable_ints()->add_values(v);
  }
  const runtime::KernelArgs args{attrs, {{ir::FLOAT32, x_shape, x.data()}}, {{ir::FLOAT32, y_shape, y.data()}}};
  for (auto _ : state) {
    if (auto s = runtime::RunKernel("max_pool2d", args); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * (x.size() + y.size()) * sizeof(float));
}
BENCHMARK(BM_MaxPoolKernel)->Unit(benchmark::kMicrosecond);

// The checksum every load and save of a .kpu computes over its sections (16 MiB here; ResNet-18's
// weights are 45 MB).
void BM_Crc32(benchmark::State& state) {
  std::string bytes(size_t{16} << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 2654435761u >> 24);
  for (auto _ : state) benchmark::DoNotOptimize(Crc32(bytes.data(), bytes.size()));
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_Crc32)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kpu
