/* The C ABI misuse matrix, written in C against kpu.h alone: every function with NULL for each
 * pointer argument, struct_size 0 and huge, unknown enum values, destroy of NULL, empty and
 * directory inputs, and kpu_execute with every tensor mistake a caller can make. Each failing
 * call must return the expected status, name the argument in kpu_last_error(), and leave its
 * out-parameters (handles, structs, output buffers) untouched; handles stay usable afterwards.
 * The struct layouts are pinned by _Static_assert so an accidental ABI break fails the build. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpu/c_api/kpu.h"

/* ---- Layouts: the ABI as compiled callers see it (LP64, the only data model we ship). ---- */
#if UINTPTR_MAX == 0xffffffffffffffffu
#define LAYOUT(type, field, offset) _Static_assert(offsetof(type, field) == (offset), #type "." #field)
#define SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof(" #type ")")
SIZE(kpu_status, 4);
SIZE(kpu_dtype, 4);
SIZE(kpu_attr_type, 4);
SIZE(kpu_dataflow, 4);
SIZE(kpu_mode, 4);
SIZE(kpu_engine, 4);
LAYOUT(kpu_attr, name, 0);
LAYOUT(kpu_attr, type, 8);
LAYOUT(kpu_attr, i, 16);
LAYOUT(kpu_attr, f, 24);
LAYOUT(kpu_attr, s, 32);
LAYOUT(kpu_attr, ints, 40);
LAYOUT(kpu_attr, floats, 48);
LAYOUT(kpu_attr, n_values, 56);
SIZE(kpu_attr, 64);
LAYOUT(kpu_compile_options, struct_size, 0);
LAYOUT(kpu_compile_options, dataflow, 8);
LAYOUT(kpu_compile_options, enable_fusion, 12);
LAYOUT(kpu_compile_options, enable_residency, 16);
SIZE(kpu_compile_options, 24);
LAYOUT(kpu_tensor_info, struct_size, 0);
LAYOUT(kpu_tensor_info, name, 8);
LAYOUT(kpu_tensor_info, dtype, 16);
LAYOUT(kpu_tensor_info, rank, 24);
LAYOUT(kpu_tensor_info, dims, 32);
LAYOUT(kpu_tensor_info, size_bytes, 96);
SIZE(kpu_tensor_info, 104);
LAYOUT(kpu_execute_options, struct_size, 0);
LAYOUT(kpu_execute_options, mode, 8);
LAYOUT(kpu_execute_options, engine, 12);
SIZE(kpu_execute_options, 16);
LAYOUT(kpu_tensor, struct_size, 0);
LAYOUT(kpu_tensor, name, 8);
LAYOUT(kpu_tensor, dtype, 16);
LAYOUT(kpu_tensor, rank, 24);
LAYOUT(kpu_tensor, dims, 32);
LAYOUT(kpu_tensor, data, 40);
LAYOUT(kpu_tensor, size_bytes, 48);
SIZE(kpu_tensor, 56);
LAYOUT(kpu_metrics, struct_size, 0);
LAYOUT(kpu_metrics, total_cycles, 8);
LAYOUT(kpu_metrics, total_time_us, 16);
LAYOUT(kpu_metrics, compute_cycles, 24);
LAYOUT(kpu_metrics, memory_stall_cycles, 32);
LAYOUT(kpu_metrics, other_cycles, 40);
LAYOUT(kpu_metrics, dram_reads_bytes, 48);
LAYOUT(kpu_metrics, dram_writes_bytes, 56);
LAYOUT(kpu_metrics, sram_reads_bytes, 64);
LAYOUT(kpu_metrics, sram_writes_bytes, 72);
LAYOUT(kpu_metrics, l1_hits, 80);
LAYOUT(kpu_metrics, l1_misses, 88);
LAYOUT(kpu_metrics, l2_hits, 96);
LAYOUT(kpu_metrics, l2_misses, 104);
LAYOUT(kpu_metrics, average_power_watts, 112);
LAYOUT(kpu_metrics, total_energy_uj, 120);
LAYOUT(kpu_metrics, compute_utilization, 128);
LAYOUT(kpu_metrics, memory_bandwidth_utilization, 136);
LAYOUT(kpu_metrics, total_macs, 144);
LAYOUT(kpu_metrics, peak_l3_bytes, 152);
LAYOUT(kpu_metrics, peak_l2_bytes, 160);
LAYOUT(kpu_metrics, peak_l1_bytes, 168);
SIZE(kpu_metrics, 176);
#endif
_Static_assert(KPU_MAX_RANK == 8, "KPU_MAX_RANK");
_Static_assert(KPU_MAX_STRUCT_SIZE == 4096, "KPU_MAX_STRUCT_SIZE");
_Static_assert(KPU_MODE_FUNCTIONAL == KPU_MODE_BEHAVIORAL, "one mode, two names");

static int cases = 0;
static int failures = 0;

#define FAILF(...)                                         \
  do {                                                     \
    ++failures;                                            \
    fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
    fprintf(stderr, __VA_ARGS__);                          \
    fprintf(stderr, "\n");                                 \
  } while (0)

#define CHECK(cond, ...)            \
  do {                              \
    if (!(cond)) FAILF(__VA_ARGS__); \
  } while (0)

/* One misuse case: `call` must return `want` and its message must contain every needle. */
static void Expect(int line, const char* text, kpu_status got, kpu_status want, const char* const* needles) {
  ++cases;
  const char* msg = kpu_last_error();
  if (got != want) {
    ++failures;
    fprintf(stderr, "FAIL line %d: %s returned %s, want %s [%s]\n", line, text, kpu_status_name(got),
            kpu_status_name(want), msg);
    return;
  }
  for (; *needles != NULL; ++needles) {
    if (strstr(msg, *needles) == NULL) {
      ++failures;
      fprintf(stderr, "FAIL line %d: %s: message \"%s\" lacks \"%s\"\n", line, text, msg, *needles);
    }
  }
}
#define EXPECT(want, call, ...) Expect(__LINE__, #call, (call), (want), (const char* const[]){__VA_ARGS__, NULL})
#define EXPECT_ARG(call, ...) EXPECT(KPU_ERROR_INVALID_ARGUMENT, call, __VA_ARGS__)
/* A call that may not fail (a NULL-tolerant getter or destroy): counted, checked by its value. */
#define EXPECT_VALUE(cond)                     \
  do {                                         \
    ++cases;                                   \
    CHECK(cond, "%s", #cond);                  \
  } while (0)

/* Out-parameters start as these and must still be these after a failing call. */
#define BAD_GRAPH ((kpu_graph*)(uintptr_t)0x9a1)
#define BAD_CONFIG ((kpu_config*)(uintptr_t)0xc0f)
#define BAD_BUFFER ((kpu_buffer*)(uintptr_t)0xb0f)
#define BAD_PROGRAM ((kpu_program*)(uintptr_t)0x960)
#define BAD_RUNTIME ((kpu_runtime*)(uintptr_t)0x27e)
#define FILL 0xa5

static int AllBytes(const void* p, size_t n, unsigned char value) {
  const unsigned char* b = (const unsigned char*)p;
  for (size_t i = 0; i < n; ++i) {
    if (b[i] != value) return 0;
  }
  return 1;
}

static const char* TmpDir(void) {
  const char* t = getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

/* x[2,4] -> y = linear(x, w[3,4]) [2,3] and z = relu(x) [2,4]: two outputs, so outputs can alias
 * each other as well as the input. */
static kpu_graph* Graph(void) {
  kpu_graph* g = NULL;
  int64_t xd[2] = {2, 4}, wd[2] = {3, 4};
  static const float w[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1};
  const char* lin[2] = {"x", "w"};
  const char* y[1] = {"y"};
  const char* rin[1] = {"x"};
  const char* z[1] = {"z"};
  if (kpu_graph_create("misuse", &g) != KPU_OK || kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, xd) != KPU_OK ||
      kpu_graph_add_constant(g, "w", KPU_DTYPE_FLOAT32, 2, wd, w, sizeof(w)) != KPU_OK ||
      kpu_graph_add_node(g, "linear", "fc", lin, 2, y, 1, NULL, 0) != KPU_OK ||
      kpu_graph_add_node(g, "relu", "act", rin, 1, z, 1, NULL, 0) != KPU_OK || kpu_graph_add_output(g, "y") != KPU_OK ||
      kpu_graph_add_output(g, "z") != KPU_OK) {
    fprintf(stderr, "cannot build the fixture graph: %s\n", kpu_last_error());
    exit(1);
  }
  return g;
}

static void CoreAndConfig(void) {
  EXPECT_VALUE(kpu_buffer_data(NULL) == NULL);
  EXPECT_VALUE(kpu_buffer_size(NULL) == 0);
  kpu_buffer_destroy(NULL);
  kpu_config_destroy(NULL);
  kpu_graph_destroy(NULL);
  kpu_program_destroy(NULL);
  kpu_runtime_destroy(NULL);
  kpu_compile_options_init(NULL);
  kpu_execute_options_init(NULL);
  cases += 7; /* the destroys and inits above: reaching here is the check */
  EXPECT_VALUE(strcmp(kpu_status_name((kpu_status)77), "KPU_STATUS_UNKNOWN") == 0);
  EXPECT_VALUE(strcmp(kpu_status_name((kpu_status)-1), "KPU_STATUS_UNKNOWN") == 0);
  EXPECT_VALUE(kpu_dtype_size((kpu_dtype)99) == 0);
  EXPECT_VALUE(kpu_dtype_size((kpu_dtype)-1) == 0);
  EXPECT_VALUE(kpu_dtype_size(KPU_DTYPE_UNSPECIFIED) == 0);
  EXPECT_VALUE(kpu_op_name(SIZE_MAX) == NULL);
  EXPECT_VALUE(kpu_config_preset_name(SIZE_MAX) == NULL);
  EXPECT_VALUE(strcmp(kpu_config_name(NULL), "") == 0);

  kpu_config* c = BAD_CONFIG;
  EXPECT_ARG(kpu_config_create_preset(NULL, &c), "kpu_config_create_preset: name is NULL");
  EXPECT_ARG(kpu_config_create_preset("swkpu-v1", NULL), "kpu_config_create_preset: out is NULL");
  EXPECT_ARG(kpu_config_create_preset("warp-drive", &c), "warp-drive");
  EXPECT_ARG(kpu_config_parse(NULL, 10, &c), "kpu_config_parse: data is NULL");
  EXPECT_ARG(kpu_config_parse("{}", 2, NULL), "kpu_config_parse: out is NULL");
  EXPECT_ARG(kpu_config_parse("", 0, &c), "kpu_config_parse: data is empty");
  EXPECT_ARG(kpu_config_parse("{not json", 9, &c), "config");
  CHECK(c == BAD_CONFIG, "config out-parameter written on error");

  kpu_config* good = NULL;
  if (kpu_config_create_preset("swkpu-v1", &good) != KPU_OK) FAILF("preset: %s", kpu_last_error());
  kpu_buffer* b = BAD_BUFFER;
  EXPECT_ARG(kpu_config_to_json(NULL, &b), "kpu_config_to_json: config is NULL");
  EXPECT_ARG(kpu_config_to_json(good, NULL), "kpu_config_to_json: out is NULL");
  CHECK(b == BAD_BUFFER, "buffer out-parameter written on error");
  int64_t rows = -7, cols = -7, tiles = -7;
  const char* fn = "kpu_config_compute_shape";
  EXPECT_ARG(kpu_config_compute_shape(NULL, &rows, &cols, &tiles), fn, "config is NULL");
  EXPECT_ARG(kpu_config_compute_shape(good, NULL, &cols, &tiles), fn, "rows is NULL");
  EXPECT_ARG(kpu_config_compute_shape(good, &rows, NULL, &tiles), fn, "cols is NULL");
  EXPECT_ARG(kpu_config_compute_shape(good, &rows, &cols, NULL), fn, "tiles is NULL");
  CHECK(rows == -7 && cols == -7 && tiles == -7, "compute shape written on error");
  ++cases;
  CHECK(kpu_config_compute_shape(good, &rows, &cols, &tiles) == KPU_OK && rows == 16 && cols == 16 && tiles == 1,
        "swkpu-v1 compute shape: %s", kpu_last_error());
  kpu_config_destroy(good);
}

static void WriteFile(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size) FAILF("cannot write %s", path);
  if (f) fclose(f);
}

static void GraphBuilding(void) {
  kpu_graph* out = BAD_GRAPH;
  EXPECT_ARG(kpu_graph_create("g", NULL), "kpu_graph_create: out is NULL");
  const char json[] = "{\"name\": \"g\"}";
  EXPECT_ARG(kpu_graph_parse(NULL, 5, NULL, &out), "kpu_graph_parse: data is NULL");
  EXPECT_ARG(kpu_graph_parse(json, sizeof(json) - 1, NULL, NULL), "kpu_graph_parse: out is NULL");
  EXPECT_ARG(kpu_graph_parse("", 0, NULL, &out), "kpu_graph_parse: data is empty");
  EXPECT_ARG(kpu_graph_parse(json, 0, ".", &out), "kpu_graph_parse: data is empty");
  EXPECT_ARG(kpu_graph_parse("{not json", 9, NULL, &out), "graph JSON is not valid");
  char path[4096];
  EXPECT_ARG(kpu_graph_load_file(NULL, &out), "kpu_graph_load_file: path is NULL");
  EXPECT_ARG(kpu_graph_load_file("x.dfg", NULL), "kpu_graph_load_file: out is NULL");
  EXPECT(KPU_ERROR_IO, kpu_graph_load_file(TmpDir(), &out), "kpu_graph_load_file", "is a directory");
  snprintf(path, sizeof(path), "%s/empty.dfg", TmpDir());
  WriteFile(path, "", 0);
  EXPECT_ARG(kpu_graph_load_file(path, &out), "empty.dfg", "empty");
  snprintf(path, sizeof(path), "%s/nowhere.dfg", TmpDir());
  EXPECT(KPU_ERROR_IO, kpu_graph_load_file(path, &out), "cannot open graph file", "nowhere.dfg");
  CHECK(out == BAD_GRAPH, "graph out-parameter written on error");

  /* NULL where kpu.h allows it: a graph without a name gets "graph". */
  kpu_graph* unnamed = NULL;
  ++cases;
  CHECK(kpu_graph_create(NULL, &unnamed) == KPU_OK && unnamed != NULL, "unnamed graph: %s", kpu_last_error());
  kpu_graph_destroy(unnamed);

  kpu_graph* g = Graph();
  int64_t d2[2] = {2, 4}, bad_rank[KPU_MAX_RANK + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  int64_t zero[2] = {2, 0}, negative[2] = {-3, 4}, wrap[2] = {(int64_t)1 << 32, (int64_t)1 << 32};
  float data[8] = {0};
  const char* fn = "kpu_graph_add_input";
  EXPECT_ARG(kpu_graph_add_input(NULL, "a", KPU_DTYPE_FLOAT32, 2, d2), fn, "graph is NULL");
  EXPECT_ARG(kpu_graph_add_input(g, NULL, KPU_DTYPE_FLOAT32, 2, d2), fn, "name is NULL");
  EXPECT_ARG(kpu_graph_add_input(g, "", KPU_DTYPE_FLOAT32, 2, d2), fn, "name is empty");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_FLOAT32, 2, NULL), fn, "'a'", "dims is NULL");
  EXPECT_ARG(kpu_graph_add_input(g, "a", (kpu_dtype)99, 2, d2), fn, "'a'", "unknown dtype 99");
  EXPECT_ARG(kpu_graph_add_input(g, "a", (kpu_dtype)-1, 2, d2), fn, "'a'", "unknown dtype -1");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_UNSPECIFIED, 2, d2), fn, "'a'", "unknown dtype 0");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_FLOAT32, KPU_MAX_RANK + 1, bad_rank), fn, "'a'",
             "more than KPU_MAX_RANK");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_FLOAT32, 2, zero), fn, "'a'", "dimension 1 = 0");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_FLOAT32, 2, negative), fn, "'a'", "dimension 0 = -3");
  EXPECT_ARG(kpu_graph_add_input(g, "a", KPU_DTYPE_FLOAT32, 2, wrap), fn, "'a'", "larger than 2^63 bytes");
  EXPECT_ARG(kpu_graph_add_input(g, "x", KPU_DTYPE_FLOAT32, 2, d2), fn, "'x' already exists");

  fn = "kpu_graph_add_constant";
  EXPECT_ARG(kpu_graph_add_constant(NULL, "c", KPU_DTYPE_FLOAT32, 2, d2, data, sizeof(data)), fn, "graph is NULL");
  EXPECT_ARG(kpu_graph_add_constant(g, NULL, KPU_DTYPE_FLOAT32, 2, d2, data, sizeof(data)), fn, "name is NULL");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, NULL, data, sizeof(data)), fn, "'c'", "dims is NULL");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, d2, NULL, sizeof(data)), fn, "'c' data is NULL");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", (kpu_dtype)42, 2, d2, data, sizeof(data)), fn, "'c'", "unknown dtype 42");
  /* 2^32 x 2^32 float32 is 2^66 bytes, which wraps to 0 in 64 bits: it must not pass for empty. */
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, wrap, NULL, 0), fn, "'c'", "larger than 2^63 bytes");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, wrap, data, 0), fn, "'c'", "larger than 2^63 bytes");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, d2, data, sizeof(data) - 1), fn, "'c'",
             "size_bytes 31", "need 32");
  EXPECT_ARG(kpu_graph_add_constant(g, "c", KPU_DTYPE_FLOAT32, 2, d2, data, sizeof(data) + 1), fn, "'c'",
             "size_bytes 33", "need 32");
  EXPECT_ARG(kpu_graph_add_constant(g, "w", KPU_DTYPE_FLOAT32, 2, d2, data, sizeof(data)), fn, "'w' already exists");

  fn = "kpu_graph_add_node";
  const char* ins[1] = {"x"};
  const char* outs[1] = {"r"};
  const char* null_name[1] = {NULL};
  kpu_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.name = "axis";
  EXPECT_ARG(kpu_graph_add_node(NULL, "relu", NULL, ins, 1, outs, 1, NULL, 0), fn, "graph is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, NULL, NULL, ins, 1, outs, 1, NULL, 0), fn, "op_type is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, "", NULL, ins, 1, outs, 1, NULL, 0), fn, "op_type is empty");
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, NULL, 1, outs, 1, NULL, 0), fn, "inputs is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, null_name, 1, outs, 1, NULL, 0), fn, "inputs[0] is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, NULL, 1, NULL, 0), fn, "outputs is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, null_name, 1, NULL, 0), fn, "outputs[0] is NULL");
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, NULL, 1), fn, "attrs is NULL");
  attr.name = NULL;
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, &attr, 1), fn, "attrs[0].name is NULL");
  attr.name = "axis";
  attr.type = (kpu_attr_type)99;
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, &attr, 1), fn, "'axis'", "unknown type 99");
  attr.type = KPU_ATTR_STRING;
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, &attr, 1), fn, "'axis'", "s is NULL");
  attr.type = KPU_ATTR_INTS;
  attr.n_values = 2;
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, &attr, 1), fn, "'axis'", "ints is NULL");
  attr.type = KPU_ATTR_FLOATS;
  EXPECT_ARG(kpu_graph_add_node(g, "relu", NULL, ins, 1, outs, 1, &attr, 1), fn, "'axis'", "floats is NULL");

  fn = "kpu_graph_add_output";
  EXPECT_ARG(kpu_graph_add_output(NULL, "y"), fn, "graph is NULL");
  EXPECT_ARG(kpu_graph_add_output(g, NULL), fn, "name is NULL");
  EXPECT_ARG(kpu_graph_add_output(g, ""), fn, "name is empty");
  EXPECT_ARG(kpu_graph_add_output(g, "y"), fn, "'y' is already a graph output");

  kpu_buffer* b = BAD_BUFFER;
  EXPECT_ARG(kpu_graph_serialize(NULL, 0, &b), "kpu_graph_serialize: graph is NULL");
  EXPECT_ARG(kpu_graph_serialize(g, 0, NULL), "kpu_graph_serialize: out is NULL");
  EXPECT_ARG(kpu_graph_serialize(g, 7, &b), "kpu_graph_serialize: json is 7");
  CHECK(b == BAD_BUFFER, "buffer out-parameter written on error");

  kpu_graph* imported = BAD_GRAPH;
  static const char kTopology[] = "Layer, M, N, K,\nfc, 4, 4, 4,\n";
  fn = "kpu_graph_import_scalesim_topology";
  EXPECT_ARG(kpu_graph_import_scalesim_topology(NULL, 8, "t.csv", &imported), fn, "data is NULL");
  EXPECT_ARG(kpu_graph_import_scalesim_topology(kTopology, sizeof(kTopology) - 1, "t.csv", NULL), fn, "out is NULL");
  EXPECT_ARG(kpu_graph_import_scalesim_topology(kTopology, (size_t)1 << 40, "t.csv", &imported), fn,
             "1099511627776 bytes, more than the 16 MiB");
  EXPECT_ARG(kpu_graph_import_scalesim_topology("", 0, NULL, &imported), "topology:1:1: the file is empty");
  EXPECT_ARG(kpu_graph_import_scalesim_topology("Layer, M, N, K,\nfc, 4, 0, 4,\n", 30, "t.csv", &imported),
             "t.csv:2:8: 'N' of layer 'fc' must be a positive integer");
  CHECK(imported == BAD_GRAPH, "graph out-parameter written on error");

  /* The graph is still the fixture after all of that: it compiles and has two outputs. */
  kpu_program* p = NULL;
  ++cases;
  CHECK(kpu_compile(g, NULL, NULL, &p) == KPU_OK, "graph unusable after errors: %s", kpu_last_error());
  CHECK(kpu_program_output_count(p) == 2, "graph changed by failed calls");
  kpu_program_destroy(p);
  kpu_graph_destroy(g);
}

/* A newer caller's struct: this header's struct plus a field this library does not know. */
typedef struct {
  kpu_compile_options base;
  uint64_t newer_field;
} newer_compile_options;

static void Compiling(kpu_program** program_out) {
  kpu_graph* g = Graph();
  kpu_program* p = BAD_PROGRAM;
  kpu_compile_options o;
  const char* fn = "kpu_compile";
  EXPECT_ARG(kpu_compile(NULL, NULL, NULL, &p), fn, "graph is NULL");
  EXPECT_ARG(kpu_compile(g, NULL, NULL, NULL), fn, "out is NULL");
  kpu_compile_options_init(&o);
  o.struct_size = 0;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.struct_size is 0");
  o.struct_size = 3;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.struct_size is 3");
  o.struct_size = SIZE_MAX;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.struct_size is 18446744073709551615", "KPU_MAX_STRUCT_SIZE");
  o.struct_size = KPU_MAX_STRUCT_SIZE + 1;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.struct_size is 4097");
  kpu_compile_options_init(&o);
  o.dataflow = (kpu_dataflow)99;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.dataflow is 99");
  o.dataflow = (kpu_dataflow)-1;
  EXPECT_ARG(kpu_compile(g, NULL, &o, &p), fn, "options.dataflow is -1");
  newer_compile_options newer;
  memset(&newer, 0, sizeof(newer));
  kpu_compile_options_init(&newer.base);
  newer.base.struct_size = sizeof(newer);
  newer.newer_field = 1;
  char needle[128];
  snprintf(needle, sizeof(needle), "options sets byte %zu", offsetof(newer_compile_options, newer_field));
  EXPECT_ARG(kpu_compile(g, NULL, &newer.base, &p), fn, needle);
  CHECK(p == BAD_PROGRAM, "program out-parameter written on error");

  /* What must keep working: a newer struct whose unknown field is zero, and an older one that
   * ends before enable_fusion (which then takes its default). */
  newer.newer_field = 0;
  kpu_program* ok = NULL;
  ++cases;
  CHECK(kpu_compile(g, NULL, &newer.base, &ok) == KPU_OK, "newer options: %s", kpu_last_error());
  kpu_program_destroy(ok);
  kpu_compile_options_init(&o);
  o.struct_size = offsetof(kpu_compile_options, enable_fusion);
  o.enable_fusion = 12345; /* past struct_size: must not be read */
  ok = NULL;
  ++cases;
  CHECK(kpu_compile(g, NULL, &o, &ok) == KPU_OK, "older options: %s", kpu_last_error());
  kpu_program_destroy(ok);

  if (kpu_compile(g, NULL, NULL, program_out) != KPU_OK) {
    fprintf(stderr, "cannot compile the fixture: %s\n", kpu_last_error());
    exit(1);
  }
  kpu_graph_destroy(g);
}

static void Programs(const kpu_program* program) {
  kpu_buffer* b = BAD_BUFFER;
  kpu_program* p = BAD_PROGRAM;
  kpu_config* c = BAD_CONFIG;
  char path[4096];
  EXPECT_ARG(kpu_program_serialize(NULL, &b), "kpu_program_serialize: program is NULL");
  EXPECT_ARG(kpu_program_serialize(program, NULL), "kpu_program_serialize: out is NULL");
  EXPECT_ARG(kpu_program_save(NULL, "p.kpu"), "kpu_program_save: program is NULL");
  EXPECT_ARG(kpu_program_save(program, NULL), "kpu_program_save: path is NULL");
  EXPECT(KPU_ERROR_IO, kpu_program_save(program, TmpDir()), TmpDir());
  EXPECT_ARG(kpu_program_deserialize(NULL, 16, &p), "kpu_program_deserialize: data is NULL");
  EXPECT_ARG(kpu_program_deserialize("KPU", 4, NULL), "kpu_program_deserialize: out is NULL");
  EXPECT(KPU_ERROR_INVALID_PROGRAM, kpu_program_deserialize("", 0, &p), "file is 0 bytes");
  EXPECT(KPU_ERROR_INVALID_PROGRAM, kpu_program_deserialize("nope", 4, &p), "shorter than the 16-byte header");
  EXPECT_ARG(kpu_program_load_file(NULL, &p), "kpu_program_load_file: path is NULL");
  EXPECT_ARG(kpu_program_load_file("p.kpu", NULL), "kpu_program_load_file: out is NULL");
  EXPECT(KPU_ERROR_IO, kpu_program_load_file(TmpDir(), &p), "kpu_program_load_file", "is a directory");
  snprintf(path, sizeof(path), "%s/nowhere.kpu", TmpDir());
  EXPECT(KPU_ERROR_IO, kpu_program_load_file(path, &p), "nowhere.kpu");
  EXPECT_ARG(kpu_program_to_json(NULL, &b), "kpu_program_to_json: program is NULL");
  EXPECT_ARG(kpu_program_to_json(program, NULL), "kpu_program_to_json: out is NULL");
  EXPECT_ARG(kpu_program_config(NULL, &c), "kpu_program_config: program is NULL");
  EXPECT_ARG(kpu_program_config(program, NULL), "kpu_program_config: out is NULL");
  CHECK(b == BAD_BUFFER && p == BAD_PROGRAM && c == BAD_CONFIG, "out-parameter written on error");
  EXPECT_VALUE(kpu_program_input_count(NULL) == 0);
  EXPECT_VALUE(kpu_program_output_count(NULL) == 0);

  kpu_tensor_info info;
  for (int which = 0; which < 2; ++which) {
    kpu_status (*get)(const kpu_program*, size_t, kpu_tensor_info*) =
        which == 0 ? kpu_program_input_info : kpu_program_output_info;
    const char* fn = which == 0 ? "kpu_program_input_info" : "kpu_program_output_info";
    memset(&info, FILL, sizeof(info));
    info.struct_size = sizeof(info);
    EXPECT_ARG(get(NULL, 0, &info), fn, "program is NULL");
    EXPECT_ARG(get(program, 0, NULL), fn, "out is NULL");
    EXPECT_ARG(get(program, 9, &info), fn, "index 9 is out of range");
    EXPECT_ARG(get(program, SIZE_MAX, &info), fn, "index 18446744073709551615 is out of range");
    info.struct_size = 0;
    EXPECT_ARG(get(program, 0, &info), fn, "out.struct_size is 0");
    info.struct_size = (size_t)1 << 40;
    EXPECT_ARG(get(program, 0, &info), fn, "out.struct_size is 1099511627776");
    CHECK(AllBytes((const char*)&info + sizeof(size_t), sizeof(info) - sizeof(size_t), FILL),
          "%s wrote its out-parameter on error", fn);
  }
  /* An older, shorter kpu_tensor_info gets the prefix it knows and nothing past it. */
  struct {
    kpu_tensor_info info;
    uint64_t canary;
  } older;
  memset(&older, FILL, sizeof(older));
  older.info.struct_size = offsetof(kpu_tensor_info, dims);
  ++cases;
  CHECK(kpu_program_output_info(program, 0, &older.info) == KPU_OK, "older info: %s", kpu_last_error());
  CHECK(older.info.struct_size == offsetof(kpu_tensor_info, dims) && older.info.rank == 2 &&
            strcmp(older.info.name, "y") == 0 && AllBytes(older.info.dims, sizeof(older.info.dims), FILL) &&
            AllBytes(&older.canary, sizeof(older.canary), FILL),
        "older kpu_tensor_info got more than its prefix");

  EXPECT_VALUE(kpu_program_op_count(NULL) == 0);
  const size_t ops = kpu_program_op_count(program);
  kpu_op_estimate e;
  const char* fn = "kpu_program_op_estimate";
  memset(&e, FILL, sizeof(e));
  e.struct_size = sizeof(e);
  EXPECT_ARG(kpu_program_op_estimate(NULL, 0, &e), fn, "program is NULL");
  EXPECT_ARG(kpu_program_op_estimate(program, 0, NULL), fn, "out is NULL");
  char needle[128];
  snprintf(needle, sizeof(needle), "index %zu is out of range; the program has %zu ops", ops, ops);
  EXPECT_ARG(kpu_program_op_estimate(program, ops, &e), fn, needle);
  e.struct_size = 0;
  EXPECT_ARG(kpu_program_op_estimate(program, 0, &e), fn, "out.struct_size is 0");
  CHECK(AllBytes((const char*)&e + sizeof(size_t), sizeof(e) - sizeof(size_t), FILL),
        "kpu_program_op_estimate wrote its out-parameter on error");
  /* An older, shorter kpu_op_estimate gets the prefix it knows and nothing past it. */
  struct {
    kpu_op_estimate e;
    uint64_t canary;
  } older_e;
  memset(&older_e, FILL, sizeof(older_e));
  older_e.e.struct_size = offsetof(kpu_op_estimate, cycles);
  ++cases;
  CHECK(kpu_program_op_estimate(program, 0, &older_e.e) == KPU_OK, "older estimate: %s", kpu_last_error());
  CHECK(older_e.e.struct_size == offsetof(kpu_op_estimate, cycles) && older_e.e.id != NULL &&
            AllBytes(&older_e.e.cycles, sizeof(kpu_op_estimate) - offsetof(kpu_op_estimate, cycles), FILL) &&
            AllBytes(&older_e.canary, sizeof(older_e.canary), FILL),
        "older kpu_op_estimate got more than its prefix");
}

static const float kX[8] = {1, -2, 3, -4, 5, -6, 7, -8};
static const float kY[6] = {1, -2, -1, 5, -6, -1};
static const float kZ[8] = {1, 0, 3, 0, 5, 0, 7, 0};

/* The arguments of one kpu_execute, reset to a valid call before each case. */
typedef struct {
  int64_t xd[2], yd[2], zd[2];
  float x[8];
  float out[32]; /* y at out[0..6), z at out[16..24); the rest spare for aliasing cases */
  kpu_tensor in[2];
  kpu_tensor outs[2];
  kpu_execute_options opts;
} Call;

static void Reset(Call* c) {
  memset(c, 0, sizeof(*c));
  c->xd[0] = 2, c->xd[1] = 4, c->yd[0] = 2, c->yd[1] = 3, c->zd[0] = 2, c->zd[1] = 4;
  memcpy(c->x, kX, sizeof(kX));
  memset(c->out, FILL, sizeof(c->out));
  kpu_tensor x = {sizeof(kpu_tensor), "x", KPU_DTYPE_FLOAT32, 2, c->xd, c->x, sizeof(c->x)};
  kpu_tensor y = {sizeof(kpu_tensor), "y", KPU_DTYPE_FLOAT32, 2, c->yd, &c->out[0], 6 * sizeof(float)};
  kpu_tensor z = {sizeof(kpu_tensor), "z", KPU_DTYPE_FLOAT32, 2, c->zd, &c->out[16], 8 * sizeof(float)};
  c->in[0] = x;
  c->in[1] = x;
  c->outs[0] = y;
  c->outs[1] = z;
  kpu_execute_options_init(&c->opts);
}

static kpu_status Run(kpu_runtime* rt, Call* c, size_t n_in, size_t n_out) {
  return kpu_execute(rt, c->in, n_in, c->outs, n_out, &c->opts);
}

/* After a failing kpu_execute the output buffers still hold FILL. */
#define EXEC_FAILS(want, rt, c, n_in, n_out, ...)                                                   \
  do {                                                                                              \
    EXPECT(want, Run(rt, c, n_in, n_out), __VA_ARGS__);                                             \
    CHECK(AllBytes((c)->out, sizeof((c)->out), FILL), "output buffers written by a failed execute"); \
  } while (0)

static void Executing(const kpu_program* program) {
  kpu_runtime* rt = BAD_RUNTIME;
  EXPECT_ARG(kpu_load(NULL, NULL, &rt), "kpu_load: program is NULL");
  EXPECT_ARG(kpu_load(program, NULL, NULL), "kpu_load: out is NULL");
  CHECK(rt == BAD_RUNTIME, "runtime out-parameter written on error");
  rt = NULL;
  if (kpu_load(program, NULL, &rt) != KPU_OK) {
    fprintf(stderr, "cannot load the fixture: %s\n", kpu_last_error());
    exit(1);
  }

  /* Before any run there are no metrics, and the caller's struct stays as it was. */
  kpu_metrics m;
  memset(&m, FILL, sizeof(m));
  m.struct_size = sizeof(m);
  kpu_buffer* b = BAD_BUFFER;
  EXPECT_ARG(kpu_runtime_metrics(rt, &m), "kpu_runtime_metrics: no metrics yet");
  EXPECT_ARG(kpu_runtime_metrics_json(rt, &b), "kpu_runtime_metrics_json: no metrics yet");
  CHECK(AllBytes((const char*)&m + sizeof(size_t), sizeof(m) - sizeof(size_t), FILL) && b == BAD_BUFFER,
        "metrics out-parameters written on error");

  Call c;
  const char* fn = "kpu_execute";
  Reset(&c);
  EXPECT_ARG(kpu_execute(NULL, c.in, 1, c.outs, 2, NULL), fn, "runtime is NULL");
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 0, 2, "missing input 'x'");
  EXPECT_ARG(kpu_execute(rt, NULL, 1, c.outs, 2, NULL), fn, "inputs is NULL with n_inputs 1");
  EXPECT_ARG(kpu_execute(rt, c.in, 1, NULL, 2, NULL), fn, "outputs is NULL with n_outputs 2");
  c.opts.struct_size = 0;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "options.struct_size is 0");
  c.opts.struct_size = SIZE_MAX;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "options.struct_size is 18446744073709551615");
  Reset(&c);
  c.opts.mode = (kpu_mode)99;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "options.mode is 99");
  Reset(&c);
  c.opts.engine = (kpu_engine)-7;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "options.engine is -7");

  /* Inputs. */
  Reset(&c);
  c.in[0].struct_size = 0;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "inputs[0].struct_size is 0");
  c.in[0].struct_size = offsetof(kpu_tensor, size_bytes); /* no room for a required field */
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "inputs[0].struct_size is 48");
  c.in[0].struct_size = (size_t)-2;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "inputs[0].struct_size is 18446744073709551614");
  Reset(&c);
  c.in[1].struct_size = sizeof(kpu_tensor) + 8;
  char got[64], first[64];
  snprintf(got, sizeof(got), "inputs[1].struct_size is %zu", sizeof(kpu_tensor) + 8);
  snprintf(first, sizeof(first), "inputs[0].struct_size is %zu", sizeof(kpu_tensor));
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 2, 2, fn, got, first);
  Reset(&c);
  c.in[0].name = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "inputs[0].name is NULL");
  c.in[0].name = "q";
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "unknown input 'q'; the program's inputs are: x");
  c.in[0].name = "y"; /* a program output is not an input */
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "unknown input 'y'");
  Reset(&c);
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 2, 2, fn, "input 'x' is given twice (inputs[0] and inputs[1])");
  c.in[0].dtype = (kpu_dtype)99;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' has an unknown dtype 99");
  c.in[0].dtype = KPU_DTYPE_INT32; /* same byte size, wrong type */
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, "Input dtype mismatch for 'x': expected float32, got int32");
  Reset(&c);
  c.in[0].rank = KPU_MAX_RANK + 1;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' has rank 9, more than KPU_MAX_RANK (8)");
  c.in[0].rank = SIZE_MAX;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' has rank 18446744073709551615");
  c.in[0].rank = 1; /* 8 elements, the right byte size, the wrong rank */
  c.xd[0] = 8;
  EXEC_FAILS(KPU_ERROR_SHAPE_MISMATCH, rt, &c, 1, 2, "Input shape mismatch: expected (2,4), got (8)");
  Reset(&c);
  c.xd[0] = 4, c.xd[1] = 2;
  EXEC_FAILS(KPU_ERROR_SHAPE_MISMATCH, rt, &c, 1, 2, "Input shape mismatch: expected (2,4), got (4,2)");
  Reset(&c);
  c.in[0].dims = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' dims is NULL with rank 2");
  Reset(&c);
  c.in[0].data = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, "kpu_execute: input 'x' data is NULL");
  Reset(&c);
  c.in[0].size_bytes -= 1;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' has size_bytes 31", "needs 32");
  c.in[0].size_bytes += 2;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "input 'x' has size_bytes 33", "needs 32");

  /* Outputs. */
  Reset(&c);
  c.outs[1].struct_size = 0;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "outputs[1].struct_size is 0");
  Reset(&c);
  c.outs[0].name = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "outputs[0].name is NULL");
  c.outs[0].name = "x"; /* a program input is not an output */
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "unknown output 'x'; the program's outputs are: y, z");
  Reset(&c);
  c.outs[1] = c.outs[0];
  c.outs[1].data = &c.out[16];
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'y' is given twice (outputs[0] and outputs[1])");
  Reset(&c);
  c.outs[0].dtype = (kpu_dtype)1000;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'y' has an unknown dtype 1000");
  c.outs[0].dtype = KPU_DTYPE_INT32;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, "Output dtype mismatch for 'y': expected float32, got int32");
  Reset(&c);
  c.yd[0] = 3, c.yd[1] = 2; /* right byte size, wrong shape */
  EXEC_FAILS(KPU_ERROR_SHAPE_MISMATCH, rt, &c, 1, 2, "Output shape mismatch: expected (2,3), got (3,2)");
  Reset(&c);
  c.outs[0].rank = 1, c.yd[0] = 6; /* right byte size, wrong rank */
  EXEC_FAILS(KPU_ERROR_SHAPE_MISMATCH, rt, &c, 1, 2, "Output shape mismatch: expected (2,3), got (6)");
  Reset(&c);
  c.outs[0].rank = KPU_MAX_RANK + 1;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'y' has rank 9");
  Reset(&c);
  c.outs[1].dims = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'z' dims is NULL");
  Reset(&c);
  c.outs[1].data = NULL;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, "kpu_execute: output 'z' data is NULL");
  Reset(&c);
  c.outs[0].size_bytes -= 1;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'y' has size_bytes 23", "needs 24");
  c.outs[0].size_bytes += 2;
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'y' has size_bytes 25", "needs 24");

  /* Aliasing: an output may share no byte with an input or with another output. */
  Reset(&c);
  c.outs[1].data = c.x; /* z written over x, which is still being read */
  EXPECT_ARG(Run(rt, &c, 1, 2), fn, "output 'z' buffer overlaps input 'x' buffer");
  CHECK(memcmp(c.x, kX, sizeof(kX)) == 0, "input changed by a failed execute");
  Reset(&c);
  c.outs[0].data = &c.x[5]; /* y's first bytes are x's last */
  EXPECT_ARG(Run(rt, &c, 1, 2), fn, "output 'y' buffer overlaps input 'x' buffer");
  Reset(&c);
  c.outs[1].data = &c.out[5]; /* z starts on y's last element */
  EXEC_FAILS(KPU_ERROR_INVALID_ARGUMENT, rt, &c, 1, 2, fn, "output 'z' buffer overlaps output 'y' buffer");

  /* The runtime still works after all of the above, and gives the right values. */
  Reset(&c);
  ++cases;
  CHECK(Run(rt, &c, 1, 2) == KPU_OK, "runtime unusable after errors: %s", kpu_last_error());
  CHECK(memcmp(&c.out[0], kY, sizeof(kY)) == 0 && memcmp(&c.out[16], kZ, sizeof(kZ)) == 0, "wrong outputs");
  /* Outputs are optional, and inputs may share bytes with each other. */
  Reset(&c);
  ++cases;
  CHECK(Run(rt, &c, 1, 1) == KPU_OK, "one of two outputs: %s", kpu_last_error());

  /* A newer caller's tensors: larger elements (the array's stride) with a zero unknown tail work;
   * a non-zero tail is a field this library would ignore, so it is refused. */
  struct newer_tensor {
    kpu_tensor t;
    uint64_t newer_field;
  } nin[1], nout[2];
  Reset(&c);
  memset(nin, 0, sizeof(nin));
  memset(nout, 0, sizeof(nout));
  nin[0].t = c.in[0];
  nout[0].t = c.outs[0];
  nout[1].t = c.outs[1];
  nin[0].t.struct_size = nout[0].t.struct_size = nout[1].t.struct_size = sizeof(struct newer_tensor);
  ++cases;
  CHECK(kpu_execute(rt, &nin[0].t, 1, &nout[0].t, 2, NULL) == KPU_OK, "newer kpu_tensor: %s", kpu_last_error());
  CHECK(memcmp(&c.out[16], kZ, sizeof(kZ)) == 0, "newer kpu_tensor array: wrong stride");
  nout[1].newer_field = 7;
  memset(c.out, FILL, sizeof(c.out));
  char needle[64];
  snprintf(needle, sizeof(needle), "outputs[1] sets byte %zu", offsetof(struct newer_tensor, newer_field));
  EXPECT_ARG(kpu_execute(rt, &nin[0].t, 1, &nout[0].t, 2, NULL), fn, needle);
  CHECK(AllBytes(c.out, sizeof(c.out), FILL), "output buffers written by a failed execute");

  /* Metrics. */
  memset(&m, FILL, sizeof(m));
  m.struct_size = sizeof(m);
  EXPECT_ARG(kpu_runtime_metrics(NULL, &m), "kpu_runtime_metrics: runtime is NULL");
  EXPECT_ARG(kpu_runtime_metrics(rt, NULL), "kpu_runtime_metrics: out is NULL");
  m.struct_size = 0;
  EXPECT_ARG(kpu_runtime_metrics(rt, &m), "kpu_runtime_metrics: out.struct_size is 0");
  m.struct_size = SIZE_MAX;
  EXPECT_ARG(kpu_runtime_metrics(rt, &m), "kpu_runtime_metrics: out.struct_size is 18446744073709551615");
  CHECK(AllBytes((const char*)&m + sizeof(size_t), sizeof(m) - sizeof(size_t), FILL), "metrics written on error");
  m.struct_size = sizeof(m);
  ++cases;
  CHECK(kpu_runtime_metrics(rt, &m) == KPU_OK && m.total_cycles > 0, "metrics after errors: %s", kpu_last_error());
  EXPECT_ARG(kpu_runtime_metrics_json(NULL, &b), "kpu_runtime_metrics_json: runtime is NULL");
  EXPECT_ARG(kpu_runtime_metrics_json(rt, NULL), "kpu_runtime_metrics_json: out is NULL");
  EXPECT_ARG(kpu_runtime_schedule_text(NULL, &b), "kpu_runtime_schedule_text: runtime is NULL");
  EXPECT_ARG(kpu_runtime_schedule_text(rt, NULL), "kpu_runtime_schedule_text: out is NULL");
  CHECK(b == BAD_BUFFER, "buffer out-parameter written on error");
  kpu_runtime_destroy(rt);
}

int main(void) {
  CoreAndConfig();
  GraphBuilding();
  kpu_program* program = NULL;
  Compiling(&program);
  Programs(program);
  Executing(program);
  kpu_program_destroy(program);
  printf("C ABI misuse matrix: %d cases, %d failures\n", cases, failures);
  return failures == 0 ? 0 : 1;
}
