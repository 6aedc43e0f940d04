// Issue 6, point 5: one compiled program shared by 8 threads, each with its own runtime, 200
// executions per thread, with outputs and metrics bit-identical to a single-threaded reference,
// on every engine. Also: concurrent compiles give identical bytes, the program's read-only calls
// are safe to share, and error messages stay with their thread.
//
// It runs in the normal build and under ThreadSanitizer:
//   bazel test --config=tsan //tests:threads_test
// (.bazelrc explains what TSan can and cannot see in the uninstrumented system libraries.)
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/c_api/kpu.h"
#include "kpu/testing/capi_models.h"

namespace kpu {
namespace {

using testing::CapiCnn;
using testing::CapiInput;
using testing::CapiMlp;
using testing::CapiModel;

constexpr int kThreads = 8;

// Lets every thread start its work at once and meet again mid-way, so the runs overlap.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    const int generation = generation_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation != generation_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const int n_;
  int arrived_ = 0;
  int generation_ = 0;
};

std::string Take(kpu_buffer* b) {
  std::string s(static_cast<const char*>(kpu_buffer_data(b)), kpu_buffer_size(b));
  kpu_buffer_destroy(b);
  return s;
}

struct Result {
  std::vector<float> output;
  kpu_metrics metrics;
  std::string metrics_json;
};

// One execution on `rt`; "" on success, else what went wrong.
std::string Execute(kpu_runtime* rt, const CapiModel& m, const std::vector<float>& x, kpu_engine engine,
                    Result* r) {
  kpu_tensor in{};
  in.struct_size = sizeof(in);
  in.name = m.input.c_str();
  in.dtype = KPU_DTYPE_FLOAT32;
  in.rank = m.input_dims.size();
  in.dims = m.input_dims.data();
  in.data = const_cast<float*>(x.data());
  in.size_bytes = x.size() * sizeof(float);
  r->output.assign(m.output_elements, -1.0f);
  const int64_t out_dims2[2] = {static_cast<int64_t>(m.input_dims[0]),
                                static_cast<int64_t>(m.output_elements / m.input_dims[0])};
  kpu_tensor out{};
  out.struct_size = sizeof(out);
  out.name = m.output.c_str();
  out.dtype = KPU_DTYPE_FLOAT32;
  out.rank = 2;
  out.dims = out_dims2;
  out.data = r->output.data();
  out.size_bytes = r->output.size() * sizeof(float);
  kpu_execute_options opts;
  kpu_execute_options_init(&opts);
  opts.engine = engine;
  if (kpu_execute(rt, &in, 1, &out, 1, &opts) != KPU_OK) return std::string("execute: ") + kpu_last_error();
  // Zeroed first so that padding bytes compare equal too.
  std::memset(&r->metrics, 0, sizeof(r->metrics));
  r->metrics.struct_size = sizeof(r->metrics);
  if (kpu_runtime_metrics(rt, &r->metrics) != KPU_OK) return std::string("metrics: ") + kpu_last_error();
  kpu_buffer* json = nullptr;
  if (kpu_runtime_metrics_json(rt, &json) != KPU_OK) return std::string("metrics json: ") + kpu_last_error();
  r->metrics_json = Take(json);
  return "";
}

// "" when `got` is bit-identical to `want`.
std::string Compare(const Result& want, const Result& got) {
  if (std::memcmp(want.output.data(), got.output.data(), want.output.size() * sizeof(float)) != 0) {
    return "outputs differ";
  }
  if (std::memcmp(&want.metrics, &got.metrics, sizeof(kpu_metrics)) != 0) return "kpu_metrics differ";
  if (want.metrics_json != got.metrics_json) return "metrics JSON differs";
  return "";
}

kpu_program* Compile(const CapiModel& m) {
  kpu_program* p = nullptr;
  EXPECT_EQ(kpu_compile(m.graph, nullptr, nullptr, &p), KPU_OK) << kpu_last_error();
  return p;
}

// Every thread loads its own runtime from one shared program and runs `runs` executions, cycling
// through `distinct` inputs from a different starting point than its neighbours, so at any moment
// the threads compute different things: state leaking between runtimes or between runs of one
// runtime shows up as a difference from the single-threaded reference.
void SharedProgramManyRuntimes(const CapiModel& m, kpu_engine engine, int runs, int distinct) {
  kpu_program* program = Compile(m);
  ASSERT_NE(program, nullptr);
  kpu_buffer* bytes = nullptr;
  ASSERT_EQ(kpu_program_serialize(program, &bytes), KPU_OK);
  const std::string program_bytes = Take(bytes);
  ASSERT_EQ(kpu_program_to_json(program, &bytes), KPU_OK);
  const std::string program_json = Take(bytes);

  std::vector<std::vector<float>> inputs;
  std::vector<Result> want(distinct);
  for (int i = 0; i < distinct; ++i) {
    inputs.push_back(CapiInput(m, i));
    kpu_runtime* rt = nullptr;
    ASSERT_EQ(kpu_load(program, nullptr, &rt), KPU_OK) << kpu_last_error();
    ASSERT_EQ(Execute(rt, m, inputs[i], engine, &want[i]), "");
    kpu_runtime_destroy(rt);
  }
  // Different inputs must give different outputs, or the comparison below proves little.
  ASSERT_GE(distinct, 2);
  ASSERT_NE(want[0].output, want[1].output);

  Barrier barrier(kThreads);
  std::vector<std::string> failures(kThreads);
  std::vector<int> done(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string& fail = failures[t];
      kpu_runtime* rt = nullptr;
      barrier.Wait();  // every thread loads at once
      if (kpu_load(program, nullptr, &rt) != KPU_OK) fail = std::string("load: ") + kpu_last_error();
      barrier.Wait();
      Result got;
      for (int r = 0; r < runs && fail.empty() && rt != nullptr; ++r) {
        const int i = (r + t) % distinct;
        fail = Execute(rt, m, inputs[i], engine, &got);
        if (fail.empty()) fail = Compare(want[i], got);
        if (!fail.empty()) fail = "run " + std::to_string(r) + " (input " + std::to_string(i) + "): " + fail;
        // The program's read-only calls while the others execute: the program is shared.
        if (fail.empty() && r % 50 == 0) {
          kpu_buffer* b = nullptr;
          if (kpu_program_serialize(program, &b) != KPU_OK || Take(b) != program_bytes) fail = "serialize differs";
          if (kpu_program_to_json(program, &b) != KPU_OK || Take(b) != program_json) fail = "JSON view differs";
          kpu_config* config = nullptr;
          if (kpu_program_config(program, &config) != KPU_OK) fail = "program config";
          kpu_config_destroy(config);
          kpu_tensor_info info{};
          info.struct_size = sizeof(info);
          if (kpu_program_input_info(program, 0, &info) != KPU_OK || m.input != info.name) fail = "input info";
        }
        if (fail.empty()) ++done[t];
      }
      kpu_runtime_destroy(rt);
      // Keep the barrier's count whatever happened above.
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], "") << "thread " << t;
    EXPECT_EQ(done[t], runs) << "thread " << t;
  }
  kpu_program_destroy(program);
}

TEST(Threads, MlpFastEngine) {
  CapiModel m = CapiMlp(4, 784, 128, 10, 1);
  SharedProgramManyRuntimes(m, KPU_ENGINE_FAST, 200, 5);
  kpu_graph_destroy(m.graph);
}

TEST(Threads, CnnFastEngine) {
  CapiModel m = CapiCnn(16, 8, 16, 2);
  SharedProgramManyRuntimes(m, KPU_ENGINE_FAST, 200, 5);
  kpu_graph_destroy(m.graph);
}

// The interpreter moves every tile between modelled memories: small models and 40 runs per thread
// keep this in seconds (about 30 s under ThreadSanitizer, which slows it 10 to 20 times).
TEST(Threads, MlpDfxInterpreter) {
  CapiModel m = CapiMlp(2, 24, 16, 4, 3);
  SharedProgramManyRuntimes(m, KPU_ENGINE_DFX_INTERPRETER, 40, 5);
  kpu_graph_destroy(m.graph);
}

TEST(Threads, CnnDfxInterpreter) {
  CapiModel m = CapiCnn(6, 2, 2, 4);
  SharedProgramManyRuntimes(m, KPU_ENGINE_DFX_INTERPRETER, 40, 5);
  kpu_graph_destroy(m.graph);
}

TEST(Threads, MlpDfxInterpreterReordered) {
  CapiModel m = CapiMlp(2, 24, 16, 4, 5);
  SharedProgramManyRuntimes(m, KPU_ENGINE_DFX_INTERPRETER_REORDERED, 20, 3);
  kpu_graph_destroy(m.graph);
}

// The compiler's registries, lowering tables and cost tables are process-wide: compiling on 8
// threads at once must give the bytes one thread gives.
TEST(Threads, ConcurrentCompilesGiveIdenticalPrograms) {
  for (CapiModel m : {CapiMlp(4, 64, 32, 10, 6), CapiCnn(8, 4, 8, 7)}) {
    kpu_buffer* g = nullptr;
    ASSERT_EQ(kpu_graph_serialize(m.graph, 0, &g), KPU_OK);
    const std::string graph_bytes = Take(g);
    kpu_program* p = Compile(m);
    ASSERT_NE(p, nullptr);
    kpu_buffer* b = nullptr;
    ASSERT_EQ(kpu_program_serialize(p, &b), KPU_OK);
    const std::string want = Take(b);
    kpu_program_destroy(p);

    Barrier barrier(kThreads);
    std::vector<std::string> got(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        kpu_graph* mine = nullptr;
        kpu_program* prog = nullptr;
        kpu_buffer* out = nullptr;
        barrier.Wait();
        for (int r = 0; r < 5; ++r) {
          if (kpu_graph_parse(graph_bytes.data(), graph_bytes.size(), nullptr, &mine) != KPU_OK ||
              kpu_compile(mine, nullptr, nullptr, &prog) != KPU_OK || kpu_program_serialize(prog, &out) != KPU_OK) {
            got[t] = std::string("failed: ") + kpu_last_error();
          } else if (std::string bytes = Take(out); bytes != want) {
            got[t] = "compile " + std::to_string(r) + " gave different bytes";
          }
          kpu_program_destroy(prog);
          kpu_graph_destroy(mine);
          prog = nullptr;
          mine = nullptr;
          if (!got[t].empty()) break;
        }
      });
    }
    for (std::thread& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], "") << m.name << " thread " << t;
    kpu_graph_destroy(m.graph);
  }
}

// kpu_last_error is per thread: each thread fails with its own message, waits until every other
// thread has failed too, and still reads its own.
TEST(Threads, ErrorMessagesStayWithTheirThread) {
  CapiModel m = CapiMlp(1, 8, 4, 2, 8);
  kpu_program* program = Compile(m);
  ASSERT_NE(program, nullptr);
  Barrier barrier(kThreads);
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      kpu_runtime* rt = nullptr;
      const bool loaded = kpu_load(program, nullptr, &rt) == KPU_OK;
      const std::string name = "ghost_" + std::to_string(t);
      const int64_t dims[2] = {1, 8};
      float x[8] = {};
      kpu_tensor in{sizeof(kpu_tensor), name.c_str(), KPU_DTYPE_FLOAT32, 2, dims, x, sizeof(x)};
      const kpu_status s = loaded ? kpu_execute(rt, &in, 1, nullptr, 0, nullptr) : KPU_ERROR_INTERNAL;
      barrier.Wait();
      seen[t] = s == KPU_ERROR_INVALID_ARGUMENT ? kpu_last_error() : "unexpected status";
      kpu_runtime_destroy(rt);
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_NE(seen[t].find("unknown input 'ghost_" + std::to_string(t) + "'"), std::string::npos)
        << "thread " << t << " read: " << seen[t];
  }
  kpu_program_destroy(program);
  kpu_graph_destroy(m.graph);
}

}  // namespace
}  // namespace kpu
