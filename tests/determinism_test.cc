// Issue 6, point 7, inside one process: every mode x engine gives the same metrics (struct and
// JSON) and the same output bits on every run, on fresh runtimes and on one runtime reused; the
// same graph compiled twice gives the same .kpu bytes and the same JSON view. Across processes:
// tests/determinism_cli_test.py.
#include <cstring>
#include <string>
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

std::string Take(kpu_buffer* b) {
  std::string s(static_cast<const char*>(kpu_buffer_data(b)), kpu_buffer_size(b));
  kpu_buffer_destroy(b);
  return s;
}

struct RunResult {
  kpu_status status = KPU_OK;
  std::vector<float> output;
  kpu_metrics metrics;
  std::string metrics_json;
};

RunResult Execute(kpu_runtime* rt, const CapiModel& m, kpu_mode mode, kpu_engine engine) {
  RunResult r;
  const std::vector<float> x = CapiInput(m, 1);
  kpu_tensor in{sizeof(kpu_tensor), m.input.c_str(), KPU_DTYPE_FLOAT32, m.input_dims.size(), m.input_dims.data(),
                const_cast<float*>(x.data()), x.size() * sizeof(float)};
  r.output.assign(m.output_elements, 0.0f);
  const int64_t dims[2] = {m.input_dims[0], static_cast<int64_t>(m.output_elements) / m.input_dims[0]};
  kpu_tensor out{sizeof(kpu_tensor), m.output.c_str(), KPU_DTYPE_FLOAT32, 2, dims, r.output.data(),
                 r.output.size() * sizeof(float)};
  kpu_execute_options opts;
  kpu_execute_options_init(&opts);
  opts.mode = mode;
  opts.engine = engine;
  r.status = kpu_execute(rt, &in, 1, &out, 1, &opts);
  if (r.status != KPU_OK) return r;
  std::memset(&r.metrics, 0, sizeof(r.metrics));  // padding compares equal too
  r.metrics.struct_size = sizeof(r.metrics);
  EXPECT_EQ(kpu_runtime_metrics(rt, &r.metrics), KPU_OK);
  kpu_buffer* json = nullptr;
  EXPECT_EQ(kpu_runtime_metrics_json(rt, &json), KPU_OK);
  r.metrics_json = Take(json);
  return r;
}

void ExpectSame(const RunResult& want, const RunResult& got, const std::string& what) {
  ASSERT_EQ(got.status, want.status) << what;
  EXPECT_EQ(std::memcmp(want.output.data(), got.output.data(), want.output.size() * sizeof(float)), 0)
      << what << ": outputs differ";
  EXPECT_EQ(std::memcmp(&want.metrics, &got.metrics, sizeof(kpu_metrics)), 0) << what << ": kpu_metrics differ";
  EXPECT_EQ(want.metrics_json, got.metrics_json) << what << ": metrics JSON differs";
}

class Determinism : public ::testing::TestWithParam<int> {
 protected:
  CapiModel Model() const { return GetParam() == 0 ? CapiMlp(2, 32, 16, 4, 11) : CapiCnn(8, 4, 8, 12); }
};

TEST_P(Determinism, EveryModeAndEngineGivesTheSameMetricsEveryRun) {
  CapiModel m = Model();
  kpu_program* p = nullptr;
  ASSERT_EQ(kpu_compile(m.graph, nullptr, nullptr, &p), KPU_OK) << kpu_last_error();
  const kpu_mode modes[] = {KPU_MODE_FUNCTIONAL, KPU_MODE_TRANSACTIONAL, KPU_MODE_CYCLE_ACCURATE,
                            KPU_MODE_POWER_TRACE};
  const kpu_engine engines[] = {KPU_ENGINE_FAST, KPU_ENGINE_DFX_INTERPRETER, KPU_ENGINE_DFX_INTERPRETER_REORDERED};
  int checked = 0;
  for (kpu_mode mode : modes) {
    for (kpu_engine engine : engines) {
      const std::string what = m.name + " mode " + std::to_string(mode) + " engine " +
                               std::to_string(engine);
      kpu_runtime* first = nullptr;
      ASSERT_EQ(kpu_load(p, nullptr, &first), KPU_OK);
      const RunResult want = Execute(first, m, mode, engine);
      // A mode this build does not provide must say so, and say so every time.
      if (want.status == KPU_ERROR_UNIMPLEMENTED) {
        EXPECT_EQ(Execute(first, m, mode, engine).status, KPU_ERROR_UNIMPLEMENTED) << what;
        kpu_runtime_destroy(first);
        continue;
      }
      ASSERT_EQ(want.status, KPU_OK) << what << ": " << kpu_last_error();
      for (int again = 0; again < 3; ++again) ExpectSame(want, Execute(first, m, mode, engine), what + " same runtime");
      kpu_runtime* fresh = nullptr;
      ASSERT_EQ(kpu_load(p, nullptr, &fresh), KPU_OK);
      ExpectSame(want, Execute(fresh, m, mode, engine), what + " fresh runtime");
      kpu_runtime_destroy(fresh);
      kpu_runtime_destroy(first);
      ++checked;
    }
  }
  // FUNCTIONAL (the analytical model) on every engine at least.
  EXPECT_GE(checked, 3);
  std::printf("%s: %d of %zu mode x engine pairs run and checked\n", m.name.c_str(), checked,
              std::size(modes) * std::size(engines));
  kpu_program_destroy(p);
  kpu_graph_destroy(m.graph);
}

TEST_P(Determinism, CompilingTwiceGivesTheSameBytesAndJson) {
  CapiModel m = Model();
  std::string bytes[2], json[2];
  for (int i = 0; i < 2; ++i) {
    kpu_program* p = nullptr;
    ASSERT_EQ(kpu_compile(m.graph, nullptr, nullptr, &p), KPU_OK) << kpu_last_error();
    kpu_buffer* b = nullptr;
    ASSERT_EQ(kpu_program_serialize(p, &b), KPU_OK);
    bytes[i] = Take(b);
    ASSERT_EQ(kpu_program_to_json(p, &b), KPU_OK);
    json[i] = Take(b);
    kpu_program_destroy(p);
  }
  EXPECT_EQ(bytes[0], bytes[1]);
  // Map fields (attributes, tile sizes) print in key order, not hash-table order.
  EXPECT_EQ(json[0], json[1]);
  kpu_buffer* g[2] = {nullptr, nullptr};
  ASSERT_EQ(kpu_graph_serialize(m.graph, 0, &g[0]), KPU_OK);
  ASSERT_EQ(kpu_graph_serialize(m.graph, 0, &g[1]), KPU_OK);
  EXPECT_EQ(Take(g[0]), Take(g[1]));
  kpu_graph_destroy(m.graph);
}

INSTANTIATE_TEST_SUITE_P(Models, Determinism, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& i) { return i.param == 0 ? "Mlp" : "Cnn"; });

}  // namespace
}  // namespace kpu
