/* The MLP through kpu.h alone, compiled as C: build, compile, save/load, run on both engines,
 * check values against a reference computed here, check metrics and the error messages.
 * Tolerance: 1e-5 absolute on softmax outputs (fp32 sgemm vs. a double-precision reference). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpu/c_api/kpu.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                       \
  do {                                                         \
    ++checks;                                                  \
    if (!(cond)) {                                             \
      ++failures;                                              \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);     \
      fprintf(stderr, __VA_ARGS__);                            \
      fprintf(stderr, " [last error: %s]\n", kpu_last_error()); \
    }                                                          \
  } while (0)

#define CHECK_OK(call) CHECK((call) == KPU_OK, "%s", #call)

enum { BATCH = 4, IN = 784, H1 = 128, H2 = 64, OUT = 10 };

static unsigned int rng_state = 12345u;
static float Uniform(float scale) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return scale * (2.0f * (float)(rng_state >> 8) / 16777216.0f - 1.0f);
}

typedef struct {
  float* w;
  float* b;
  int in, out;
} Layer;

static void InitLayer(Layer* l, int in, int out) {
  l->in = in;
  l->out = out;
  l->w = malloc(sizeof(float) * in * out);
  l->b = malloc(sizeof(float) * out);
  for (int i = 0; i < in * out; ++i) l->w[i] = Uniform(0.08f);
  for (int i = 0; i < out; ++i) l->b[i] = Uniform(0.05f);
}

/* torch.nn.Linear semantics: y = x W^T + b, W is [out, in]. */
static void Reference(const Layer* layers, const float* x, double* y) {
  double* cur = malloc(sizeof(double) * BATCH * IN);
  for (int i = 0; i < BATCH * IN; ++i) cur[i] = x[i];
  int width = IN;
  for (int li = 0; li < 3; ++li) {
    const Layer* l = &layers[li];
    double* next = malloc(sizeof(double) * BATCH * l->out);
    for (int r = 0; r < BATCH; ++r) {
      for (int o = 0; o < l->out; ++o) {
        double acc = l->b[o];
        for (int i = 0; i < width; ++i) acc += cur[r * width + i] * l->w[o * width + i];
        next[r * l->out + o] = li < 2 && acc < 0 ? 0 : acc;
      }
    }
    free(cur);
    cur = next;
    width = l->out;
  }
  for (int r = 0; r < BATCH; ++r) {
    double mx = -1e300, sum = 0;
    for (int o = 0; o < OUT; ++o) mx = cur[r * OUT + o] > mx ? cur[r * OUT + o] : mx;
    for (int o = 0; o < OUT; ++o) sum += exp(cur[r * OUT + o] - mx);
    for (int o = 0; o < OUT; ++o) y[r * OUT + o] = exp(cur[r * OUT + o] - mx) / sum;
  }
  free(cur);
}

static kpu_graph* BuildMlp(const Layer* layers, int64_t batch) {
  kpu_graph* g = NULL;
  CHECK_OK(kpu_graph_create("mnist_mlp", &g));
  int64_t in_dims[2] = {batch, IN};
  CHECK_OK(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, in_dims));
  const char* names[3][5] = {{"fc1.weight", "fc1.bias", "h1", "a1", "x"},
                             {"fc2.weight", "fc2.bias", "h2", "a2", "a1"},
                             {"fc3.weight", "fc3.bias", "logits", "", "a2"}};
  for (int li = 0; li < 3; ++li) {
    const Layer* l = &layers[li];
    int64_t wd[2] = {l->out, l->in};
    int64_t bd[1] = {l->out};
    CHECK_OK(kpu_graph_add_constant(g, names[li][0], KPU_DTYPE_FLOAT32, 2, wd, l->w, sizeof(float) * l->in * l->out));
    CHECK_OK(kpu_graph_add_constant(g, names[li][1], KPU_DTYPE_FLOAT32, 1, bd, l->b, sizeof(float) * l->out));
    const char* ins[3] = {names[li][4], names[li][0], names[li][1]};
    const char* outs[1] = {names[li][2]};
    CHECK_OK(kpu_graph_add_node(g, "linear", NULL, ins, 3, outs, 1, NULL, 0));
    if (li < 2) {
      const char* rin[1] = {names[li][2]};
      const char* rout[1] = {names[li][3]};
      CHECK_OK(kpu_graph_add_node(g, "relu", NULL, rin, 1, rout, 1, NULL, 0));
    }
  }
  kpu_attr axis;
  memset(&axis, 0, sizeof(axis));
  axis.name = "axis";
  axis.type = KPU_ATTR_INT;
  axis.i = -1;
  const char* sin[1] = {"logits"};
  const char* sout[1] = {"probs"};
  CHECK_OK(kpu_graph_add_node(g, "softmax", "softmax", sin, 1, sout, 1, &axis, 1));
  CHECK_OK(kpu_graph_add_output(g, "probs"));
  return g;
}

static double Run(kpu_runtime* rt, const float* x, kpu_engine engine, const double* expected) {
  int64_t xd[2] = {BATCH, IN}, yd[2] = {BATCH, OUT};
  float y[BATCH * OUT];
  kpu_tensor in = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, xd, (void*)x, sizeof(float) * BATCH * IN};
  kpu_tensor out = {sizeof(kpu_tensor), "probs", KPU_DTYPE_FLOAT32, 2, yd, y, sizeof(y)};
  kpu_execute_options opts;
  kpu_execute_options_init(&opts);
  opts.engine = engine;
  CHECK_OK(kpu_execute(rt, &in, 1, &out, 1, &opts));
  double max_diff = 0;
  for (int i = 0; i < BATCH * OUT; ++i) {
    double d = fabs(y[i] - expected[i]);
    max_diff = d > max_diff ? d : max_diff;
  }
  return max_diff;
}

int main(void) {
  CHECK(kpu_api_version() == KPU_API_VERSION, "api version");
  CHECK(strlen(kpu_version()) > 0, "version string");
  Layer layers[3];
  InitLayer(&layers[0], IN, H1);
  InitLayer(&layers[1], H1, H2);
  InitLayer(&layers[2], H2, OUT);
  float* x = malloc(sizeof(float) * BATCH * IN);
  for (int i = 0; i < BATCH * IN; ++i) x[i] = 0.5f + 0.5f * Uniform(1.0f);
  double expected[BATCH * OUT];
  Reference(layers, x, expected);

  kpu_graph* g = BuildMlp(layers, BATCH);
  kpu_program* program = NULL;
  CHECK_OK(kpu_compile(g, NULL, NULL, &program));
  CHECK(kpu_program_input_count(program) == 1 && kpu_program_output_count(program) == 1, "io counts");
  kpu_tensor_info info;
  info.struct_size = sizeof(info);
  CHECK_OK(kpu_program_output_info(program, 0, &info));
  CHECK(info.rank == 2 && info.dims[0] == BATCH && info.dims[1] == OUT && strcmp(info.name, "probs") == 0, "output info");

  /* Save to a file and load it back: the loaded program is what runs. */
  char path[4096];
  const char* tmp = getenv("TEST_TMPDIR");
  snprintf(path, sizeof(path), "%s/mlp.kpu", tmp ? tmp : "/tmp");
  CHECK_OK(kpu_program_save(program, path));
  kpu_program* loaded = NULL;
  CHECK_OK(kpu_program_load_file(path, &loaded));

  kpu_runtime* rt = NULL;
  CHECK_OK(kpu_load(loaded, NULL, &rt));
  kpu_metrics m;
  m.struct_size = sizeof(m);
  CHECK(kpu_runtime_metrics(rt, &m) == KPU_ERROR_INVALID_ARGUMENT, "metrics before any run");
  double fast = Run(rt, x, KPU_ENGINE_FAST, expected);
  double interp = Run(rt, x, KPU_ENGINE_DFX_INTERPRETER, expected);
  CHECK(fast < 1e-5, "fast path max abs diff %g", fast);
  CHECK(interp < 1e-5, "DFX interpreter max abs diff %g", interp);
  CHECK_OK(kpu_runtime_metrics(rt, &m));
  CHECK(m.total_cycles > 0 && m.compute_cycles > 0 && m.total_cycles >= m.compute_cycles, "cycles %llu",
        (unsigned long long)m.total_cycles);
  CHECK(m.total_energy_uj > 0 && m.average_power_watts > 0, "energy %g", m.total_energy_uj);
  CHECK(m.compute_utilization > 0 && m.compute_utilization <= 1, "utilization %g", m.compute_utilization);
  CHECK(m.total_macs == (uint64_t)BATCH * (IN * H1 + H1 * H2 + H2 * OUT), "macs %llu", (unsigned long long)m.total_macs);
  CHECK(m.dram_reads_bytes >= sizeof(float) * (uint64_t)(IN * H1 + H1 * H2 + H2 * OUT), "dram reads cover weights");
  printf("MLP batch %d: max abs diff fast %.3g, interpreter %.3g; %llu cycles, %.4f uJ, utilization %.3f\n", BATCH,
         fast, interp, (unsigned long long)m.total_cycles, m.total_energy_uj, m.compute_utilization);

  /* Input shape mismatch, in seed 004's words. */
  int64_t bad_dims[2] = {2, IN};
  float y[BATCH * OUT];
  int64_t yd[2] = {BATCH, OUT};
  kpu_tensor bad = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, bad_dims, x, sizeof(float) * 2 * IN};
  kpu_tensor out = {sizeof(kpu_tensor), "probs", KPU_DTYPE_FLOAT32, 2, yd, y, sizeof(y)};
  CHECK(kpu_execute(rt, &bad, 1, &out, 1, NULL) == KPU_ERROR_SHAPE_MISMATCH, "shape mismatch status");
  CHECK(strcmp(kpu_last_error(), "Input shape mismatch: expected (4,784), got (2,784)") == 0, "shape message: %s",
        kpu_last_error());

  /* Unsupported operators are named, all of them. */
  kpu_graph* g2 = NULL;
  CHECK_OK(kpu_graph_create("bad", &g2));
  int64_t d2[2] = {1, 8};
  CHECK_OK(kpu_graph_add_input(g2, "x", KPU_DTYPE_FLOAT32, 2, d2));
  const char* xi[1] = {"x"};
  const char* o1[1] = {"y1"};
  const char* y1[1] = {"y1"};
  const char* o2[1] = {"y2"};
  CHECK_OK(kpu_graph_add_node(g2, "InstanceNorm", NULL, xi, 1, o1, 1, NULL, 0));
  CHECK_OK(kpu_graph_add_node(g2, "GroupNorm", NULL, y1, 1, o2, 1, NULL, 0));
  CHECK_OK(kpu_graph_add_output(g2, "y2"));
  kpu_program* none = NULL;
  CHECK(kpu_compile(g2, NULL, NULL, &none) == KPU_ERROR_UNSUPPORTED_OP, "unsupported status");
  CHECK(strcmp(kpu_last_error(), "Unsupported operators: InstanceNorm, GroupNorm") == 0, "message: %s", kpu_last_error());
  CHECK(none == NULL, "out-parameter untouched on error");

  /* A truncated or corrupted .kpu is rejected with a message, never a crash. */
  kpu_buffer* bytes = NULL;
  CHECK_OK(kpu_program_serialize(program, &bytes));
  kpu_program* broken = NULL;
  CHECK(kpu_program_deserialize(kpu_buffer_data(bytes), kpu_buffer_size(bytes) / 2, &broken) == KPU_ERROR_INVALID_PROGRAM,
        "truncated program");
  CHECK(strstr(kpu_last_error(), "Invalid KPU program") != NULL, "truncation message: %s", kpu_last_error());
  char* corrupt = malloc(kpu_buffer_size(bytes));
  memcpy(corrupt, kpu_buffer_data(bytes), kpu_buffer_size(bytes));
  corrupt[kpu_buffer_size(bytes) - 3] ^= 0x40;
  CHECK(kpu_program_deserialize(corrupt, kpu_buffer_size(bytes), &broken) == KPU_ERROR_INVALID_PROGRAM,
        "corrupted program");
  CHECK(strstr(kpu_last_error(), "corrupted") != NULL, "corruption message: %s", kpu_last_error());
  CHECK(broken == NULL, "no program from bad bytes");

  kpu_program_destroy(NULL);
  kpu_runtime_destroy(NULL);
  kpu_graph_destroy(NULL);
  kpu_buffer_destroy(NULL);
  kpu_config_destroy(NULL);
  free(corrupt);
  kpu_buffer_destroy(bytes);
  kpu_graph_destroy(g2);
  kpu_runtime_destroy(rt);
  kpu_program_destroy(loaded);
  kpu_program_destroy(program);
  kpu_graph_destroy(g);
  for (int i = 0; i < 3; ++i) {
    free(layers[i].w);
    free(layers[i].b);
  }
  free(x);
  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
