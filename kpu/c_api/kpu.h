/*
 * kpu.h: the stable C ABI of the Stillwater KPU toolchain (libkpu.so).
 *
 * Rules (ARCHITECTURE.md decision 5):
 *  - Handles are opaque. Every create has a destroy; destroy accepts NULL.
 *  - Every fallible call returns a kpu_status. On failure a message is kept for the calling
 *    thread (kpu_last_error) and out-parameters are left untouched.
 *  - No C++ exception crosses this boundary.
 *  - Structs passed across carry their size in `struct_size` (set it to sizeof(the struct), or
 *    call the struct's _init function), so the library can grow them without breaking callers:
 *      - a struct the caller fills (kpu_compile_options, kpu_execute_options, kpu_tensor) may be
 *        shorter than this header's (an older caller): the fields it lacks take their defaults;
 *        it may be longer (a newer caller) if the bytes this library does not know are zero
 *        (so start from memset 0, `= {0}` or the _init function, padding included);
 *      - a struct the library fills (kpu_tensor_info, kpu_metrics) gets min(struct_size, the
 *        library's size) bytes, and struct_size is set to the number written;
 *      - struct_size must hold at least the struct_size field itself (kpu_tensor: every field
 *        of API version 1) and at most KPU_MAX_STRUCT_SIZE, or the call fails naming the struct.
 *    kpu_attr is the exception: it has no struct_size, so its layout is frozen; new attribute
 *    kinds will come with a new struct and a new function.
 *  - Enum values this header does not list are rejected with KPU_ERROR_INVALID_ARGUMENT.
 *  - Changes to this header are additive only, and each one raises KPU_API_VERSION.
 *  - Ownership is stated on every pointer. "Borrowed" pointers stay owned by the caller, or by
 *    the handle they came from and live as long as it does. Every out-parameter says which call
 *    frees what it receives.
 *  - Threads (tests/threads_test runs one program under 8 threads, each with its own runtime):
 *      - a kpu_program, a kpu_config and a kpu_buffer are immutable after creation: every call
 *        taking them as `const` may run on any number of threads at once, kpu_load included;
 *      - a kpu_runtime and a kpu_graph are used by one thread at a time (kpu_execute,
 *        kpu_runtime_metrics*, the graph builders), though not always the same thread;
 *      - kpu_last_error is per thread; the version, dtype, registry and preset calls are safe
 *        from any thread;
 *      - a handle is destroyed only when no other thread is using it.
 */
#ifndef KPU_C_API_KPU_H_
#define KPU_C_API_KPU_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Raised by one for every additive change; a caller built against version N runs on any library
 * whose kpu_api_version() >= N.
 *   1: the first release.
 *   2: KPU_MAX_STRUCT_SIZE; shorter (older) and longer (newer) structs accepted as described
 *      above; kpu_execute rejects aliased, duplicated and misshapen buffers.
 *   3: kpu_config_compute_shape, kpu_graph_import_scalesim_topology, kpu_program_op_count,
 *      kpu_program_op_estimate (kpu_op_estimate). */
#define KPU_API_VERSION 3

/* The largest struct_size any call accepts: a larger one is taken for an uninitialized struct. */
#define KPU_MAX_STRUCT_SIZE 4096

/* In C++ the enums below get `int` as their fixed underlying type, the type C gives them on
 * every ABI this library supports, so a value this header does not list is a valid object the
 * library can reject rather than undefined behaviour. */
#ifdef __cplusplus
#define KPU_ENUM(name) enum name : int
#else
#define KPU_ENUM(name) enum name
#endif

/* ---------------------------------------------------------------------------------------------
 * Status and errors
 * ------------------------------------------------------------------------------------------- */
typedef KPU_ENUM(kpu_status) {
  KPU_OK = 0,
  KPU_ERROR_INVALID_ARGUMENT = 1, /* a bad argument or malformed graph/config */
  KPU_ERROR_UNSUPPORTED_OP = 2,   /* "Unsupported operators: A, B" */
  KPU_ERROR_COMPILATION = 3,      /* the compiler cannot map the graph onto the KPU */
  KPU_ERROR_MEMORY_EXCEEDED = 4,  /* "SRAM memory exceeded: 512KB required, 256KB available" */
  KPU_ERROR_SHAPE_MISMATCH = 5,   /* "Input shape mismatch: expected (..), got (..)" */
  KPU_ERROR_INVALID_PROGRAM = 6,  /* a truncated, corrupted or inconsistent .kpu */
  KPU_ERROR_IO = 7,               /* a file could not be read or written */
  KPU_ERROR_UNIMPLEMENTED = 8,    /* a feature this version does not provide */
  KPU_ERROR_INTERNAL = 9          /* a bug in the toolchain: please report it */
} kpu_status;

/* The message of the last failed call on this thread; "" if none. Borrowed: valid until the
 * next kpu_* call on this thread. Argument errors start with the function's name and name the
 * argument ("kpu_compile: out is NULL"). */
const char* kpu_last_error(void);
/* "KPU_OK", "KPU_ERROR_UNSUPPORTED_OP", ..., "KPU_STATUS_UNKNOWN"; static storage. */
const char* kpu_status_name(kpu_status status);

/* The KPU_API_VERSION the library was built with, and its release, e.g. "0.1.0"; static. */
uint32_t kpu_api_version(void);
const char* kpu_version(void);

/* ---------------------------------------------------------------------------------------------
 * Buffers: bytes the library hands out (serialized programs, JSON views).
 * ------------------------------------------------------------------------------------------- */
typedef struct kpu_buffer kpu_buffer;
/* Borrowed from the buffer; NULL for a NULL buffer. */
const void* kpu_buffer_data(const kpu_buffer* buffer);
/* 0 for a NULL buffer. */
size_t kpu_buffer_size(const kpu_buffer* buffer);
/* Frees a buffer any kpu_* call returned; NULL is ignored. */
void kpu_buffer_destroy(kpu_buffer* buffer);

/* ---------------------------------------------------------------------------------------------
 * Element types
 * ------------------------------------------------------------------------------------------- */
typedef KPU_ENUM(kpu_dtype) {
  KPU_DTYPE_UNSPECIFIED = 0,
  KPU_DTYPE_FLOAT32 = 1,
  KPU_DTYPE_FLOAT16 = 2,
  KPU_DTYPE_BFLOAT16 = 3,
  KPU_DTYPE_INT8 = 4,
  KPU_DTYPE_UINT8 = 5,
  KPU_DTYPE_INT32 = 6,
  KPU_DTYPE_INT64 = 7,
  KPU_DTYPE_BOOL = 8
} kpu_dtype;

/* Bytes per element; 0 for KPU_DTYPE_UNSPECIFIED and for a value not listed above. */
size_t kpu_dtype_size(kpu_dtype dtype);

#define KPU_MAX_RANK 8

/* ---------------------------------------------------------------------------------------------
 * The op registry: the ops this library compiles and runs.
 * ------------------------------------------------------------------------------------------- */
size_t kpu_op_count(void);
/* The i-th op name in sorted order, or NULL if i >= kpu_op_count(); static storage. */
const char* kpu_op_name(size_t index);

/* ---------------------------------------------------------------------------------------------
 * Hardware configuration (KPUConfig)
 * ------------------------------------------------------------------------------------------- */
typedef struct kpu_config kpu_config;

size_t kpu_config_preset_count(void);
/* The i-th preset name ("swkpu-v1" is the default), or NULL; static storage. */
const char* kpu_config_preset_name(size_t index);
/* *out is owned by the caller (kpu_config_destroy). */
kpu_status kpu_config_create_preset(const char* name, kpu_config** out);
/* From JSON text (protobuf JSON mapping of kpu.ir.KPUConfig) or protobuf binary bytes; `data`
 * (size > 0) is borrowed for the call. *out is owned by the caller (kpu_config_destroy). */
kpu_status kpu_config_parse(const void* data, size_t size, kpu_config** out);
/* JSON view; *out is owned by the caller (kpu_buffer_destroy). */
kpu_status kpu_config_to_json(const kpu_config* config, kpu_buffer** out);
/* The config's name; borrowed from the config; "" for a NULL config. */
const char* kpu_config_name(const kpu_config* config);
/* The compute fabric: *tiles compute tiles, each a *rows x *cols systolic array. */
kpu_status kpu_config_compute_shape(const kpu_config* config, int64_t* rows, int64_t* cols, int64_t* tiles);
/* NULL is ignored. */
void kpu_config_destroy(kpu_config* config);

/* ---------------------------------------------------------------------------------------------
 * Graphs (the DFG): built here, or parsed from a .dfg file (JSON or protobuf binary).
 * ------------------------------------------------------------------------------------------- */
typedef struct kpu_graph kpu_graph;

typedef KPU_ENUM(kpu_attr_type) {
  KPU_ATTR_INT = 0,
  KPU_ATTR_FLOAT = 1,
  KPU_ATTR_STRING = 2,
  KPU_ATTR_INTS = 3,
  KPU_ATTR_FLOATS = 4
} kpu_attr_type;

/* A node attribute. Pointers are borrowed for the duration of the call. */
typedef struct kpu_attr {
  const char* name;
  kpu_attr_type type;
  int64_t i;             /* KPU_ATTR_INT */
  double f;              /* KPU_ATTR_FLOAT */
  const char* s;         /* KPU_ATTR_STRING */
  const int64_t* ints;   /* KPU_ATTR_INTS, n_values of them */
  const double* floats;  /* KPU_ATTR_FLOATS, n_values of them */
  size_t n_values;
} kpu_attr;

/* An empty graph; `name` may be NULL or "" ("graph", the name a parsed graph without one gets
 * too). *out is owned by the caller (kpu_graph_destroy). */
kpu_status kpu_graph_create(const char* name, kpu_graph** out);
/* Parses JSON or protobuf binary (size > 0). `base_dir` resolves external_data paths; may be
 * NULL. *out is owned by the caller (kpu_graph_destroy). */
kpu_status kpu_graph_parse(const void* data, size_t size, const char* base_dir, kpu_graph** out);
/* Reads a .dfg file (a regular, non-empty file); external data is resolved relative to the
 * file's folder. *out is owned by the caller (kpu_graph_destroy). */
kpu_status kpu_graph_load_file(const char* path, kpu_graph** out);

/* External data of a graph (kpu_graph_parse, kpu_graph_load_file) is read only from files inside
 * `base_dir` (the graph file's folder): an absolute path or a ".." is an error, so a downloaded
 * graph cannot read other files. Its length is checked against the tensor's size and the file's,
 * and the file must be a regular file, before reading. A caller that trusts the graph opts in to
 * other paths here. */
typedef struct kpu_graph_parse_options {
  size_t struct_size;       /* sizeof(kpu_graph_parse_options) */
  const char* base_dir;     /* resolves relative external_data paths; NULL: the current folder */
  int allow_external_paths; /* 1: absolute paths and paths outside base_dir are read; default 0 */
} kpu_graph_parse_options;

void kpu_graph_parse_options_init(kpu_graph_parse_options* options);
/* kpu_graph_parse with options; `options` may be NULL for the defaults. *out is owned by the
 * caller (kpu_graph_destroy). */
kpu_status kpu_graph_parse_with_options(const void* data, size_t size, const kpu_graph_parse_options* options,
                                        kpu_graph** out);
/* NULL is ignored. */
void kpu_graph_destroy(kpu_graph* graph);

/* The builders below leave the graph unchanged when they fail. Names and arrays are borrowed
 * for the call (copied). A tensor's dims are positive and its size in bytes fits in 63 bits. */

kpu_status kpu_graph_add_input(kpu_graph* graph, const char* name, kpu_dtype dtype, size_t rank,
                               const int64_t* dims);
/* Copies `size_bytes` of little-endian element data; size_bytes must equal the size the dtype
 * and dims give. */
kpu_status kpu_graph_add_constant(kpu_graph* graph, const char* name, kpu_dtype dtype,
                                  size_t rank, const int64_t* dims, const void* data,
                                  size_t size_bytes);
/* `op_type` is a registry name. Unknown ops are accepted here and reported by kpu_compile,
 * all together, as "Unsupported operators: ...". */
kpu_status kpu_graph_add_node(kpu_graph* graph, const char* op_type, const char* name,
                              const char* const* inputs, size_t n_inputs,
                              const char* const* outputs, size_t n_outputs,
                              const kpu_attr* attrs, size_t n_attrs);
kpu_status kpu_graph_add_output(kpu_graph* graph, const char* name);
/* Protobuf binary (json = 0) or JSON text (json = 1; other values are reserved and rejected).
 * *out is owned by the caller (kpu_buffer_destroy). */
kpu_status kpu_graph_serialize(const kpu_graph* graph, int json, kpu_buffer** out);

/* A SCALE-Sim topology CSV (conv form "Layer name, IFMAP Height, IFMAP Width, Filter Height,
 * Filter Width, Channels, Num Filter, Strides," or GEMM form "Layer, M, N, K,") as a graph, so
 * SCALE-Sim's workloads compile and run like any model. Each layer is independent: a conv layer
 * is a conv2d node (input "L.input" [1, C, H, W], no padding, weight "L.weight" [F, C, FH, FW]),
 * a GEMM layer a matmul node (input "L.input" [M, K], weight "L.weight" [K, N]); its output is
 * "L.output". A topology has no weights: they are deterministic pseudo-random values in
 * [-0.1, 0.1), the same for the same topology. Limits: at most 16 MiB of text, 1024 layers,
 * 2^28 weight elements in all; errors name `source` (may be NULL: "topology"), the line and
 * column, and the layer. `data` is borrowed for the call; *out is owned by the caller
 * (kpu_graph_destroy). */
kpu_status kpu_graph_import_scalesim_topology(const void* data, size_t size, const char* source,
                                              kpu_graph** out);

/* ---------------------------------------------------------------------------------------------
 * Compiling: graph + config -> program
 * ------------------------------------------------------------------------------------------- */
typedef struct kpu_program kpu_program;

typedef KPU_ENUM(kpu_dataflow) {
  KPU_DATAFLOW_AUTO = 0,
  KPU_DATAFLOW_OUTPUT_STATIONARY = 1,
  KPU_DATAFLOW_WEIGHT_STATIONARY = 2,
  KPU_DATAFLOW_INPUT_STATIONARY = 3
} kpu_dataflow;

typedef struct kpu_compile_options {
  size_t struct_size;   /* sizeof(kpu_compile_options) */
  kpu_dataflow dataflow;
  int enable_fusion;    /* MatMul+Add(+ReLU) fusion; default 1 */
  /* Keep an activation on chip (an L2/L3 home) between its producer and consumers when it fits,
   * instead of writing it to DRAM and reading it back; default 1. */
  int enable_residency;
} kpu_compile_options;

/* Initializes options to their defaults, struct_size included; NULL is ignored. */
void kpu_compile_options_init(kpu_compile_options* options);

/* `config` may be NULL for the default KPU ("swkpu-v1"); `options` may be NULL for defaults.
 * The graph is not modified. *out is owned by the caller (kpu_program_destroy). */
kpu_status kpu_compile(const kpu_graph* graph, const kpu_config* config,
                       const kpu_compile_options* options, kpu_program** out);

/* .kpu bytes; *out is owned by the caller (kpu_buffer_destroy). */
kpu_status kpu_program_serialize(const kpu_program* program, kpu_buffer** out);
kpu_status kpu_program_save(const kpu_program* program, const char* path);
/* Validates the container and the program; rejects truncated, corrupted and inconsistent input
 * with KPU_ERROR_INVALID_PROGRAM and a message saying what is wrong. `data` is borrowed for the
 * call. *out is owned by the caller (kpu_program_destroy). */
kpu_status kpu_program_deserialize(const void* data, size_t size, kpu_program** out);
/* The same from a .kpu file. *out is owned by the caller (kpu_program_destroy). */
kpu_status kpu_program_load_file(const char* path, kpu_program** out);
/* The program as JSON (metadata, tensors, DFX operations, dependencies, hints; not weights).
 * *out is owned by the caller (kpu_buffer_destroy). */
kpu_status kpu_program_to_json(const kpu_program* program, kpu_buffer** out);
/* A copy of the program's target config; *out is owned by the caller (kpu_config_destroy). */
kpu_status kpu_program_config(const kpu_program* program, kpu_config** out);
/* NULL is ignored. */
void kpu_program_destroy(kpu_program* program);

typedef struct kpu_tensor_info {
  size_t struct_size;        /* sizeof(kpu_tensor_info) */
  const char* name;          /* borrowed from the program */
  kpu_dtype dtype;
  size_t rank;
  int64_t dims[KPU_MAX_RANK];
  size_t size_bytes;
} kpu_tensor_info;

/* 0 for a NULL program. */
size_t kpu_program_input_count(const kpu_program* program);
size_t kpu_program_output_count(const kpu_program* program);
/* Fills the caller's *out (set out->struct_size first); out->name is borrowed from the program. */
kpu_status kpu_program_input_info(const kpu_program* program, size_t index, kpu_tensor_info* out);
kpu_status kpu_program_output_info(const kpu_program* program, size_t index, kpu_tensor_info* out);

/* The compiler's estimate of one op of the program on its target config: the numbers the
 * FUNCTIONAL mode reports for it (kpu_runtime_metrics_json's op_metrics), without running. */
typedef struct kpu_op_estimate {
  size_t struct_size;      /* sizeof(kpu_op_estimate) */
  const char* id;          /* borrowed from the program */
  const char* op_type;     /* registry name; borrowed from the program */
  const char* output;      /* the op's first output tensor; borrowed from the program */
  kpu_dataflow dataflow;   /* the array dataflow it runs in; KPU_DATAFLOW_AUTO: not on the array */
  uint64_t cycles;         /* compute_cycles + stall_cycles */
  uint64_t compute_cycles; /* the array (spread over the compute tiles) and the vector unit */
  uint64_t stall_cycles;   /* waiting on memory */
  uint64_t dram_bytes;     /* read and written */
  uint64_t macs;
  double energy_pj;
} kpu_op_estimate;

/* The number of ops in schedule order; 0 for a NULL program. */
size_t kpu_program_op_count(const kpu_program* program);
/* Fills the caller's *out (set out->struct_size first) for the op at `index` in schedule order;
 * its strings are borrowed from the program. */
kpu_status kpu_program_op_estimate(const kpu_program* program, size_t index, kpu_op_estimate* out);

/* ---------------------------------------------------------------------------------------------
 * Running: program -> runtime -> outputs + metrics
 * ------------------------------------------------------------------------------------------- */
typedef struct kpu_runtime kpu_runtime;

/* `config` may be NULL to run on the program's target config. The runtime keeps its own
 * reference to the program's content; the program may be destroyed afterwards. *out is owned
 * by the caller (kpu_runtime_destroy).
 * Host memory: the runtime allocates the program's DRAM arena and a copy of its weights. Above
 * the limit in the environment variable KPU_MAX_HOST_MEMORY_BYTES (a byte count; default 4 GiB)
 * kpu_load fails with KPU_ERROR_MEMORY_EXCEEDED before allocating anything. */
kpu_status kpu_load(const kpu_program* program, const kpu_config* config, kpu_runtime** out);
/* NULL is ignored. */
void kpu_runtime_destroy(kpu_runtime* runtime);

/* Timing fidelity. Every mode returns the true outputs (decision 3). The seeds use two names for
 * the fast mode: BEHAVIORAL and FUNCTIONAL are the same mode. */
typedef KPU_ENUM(kpu_mode) {
  KPU_MODE_FUNCTIONAL = 0,
  KPU_MODE_BEHAVIORAL = 0,
  KPU_MODE_TRANSACTIONAL = 1,
  KPU_MODE_CYCLE_ACCURATE = 2,
  KPU_MODE_POWER_TRACE = 3
} kpu_mode;

/* How the values are computed. FAST runs whole ops with optimized kernels; DFX_INTERPRETER
 * executes the DFX program tile by tile, moving the bytes between modelled memory levels (slow;
 * for verifying the tiling). DFX_INTERPRETER_REORDERED does the same in another order that the
 * program's dependencies allow (newest ready op first): equal outputs prove the edges complete. */
typedef KPU_ENUM(kpu_engine) {
  KPU_ENGINE_FAST = 0,
  KPU_ENGINE_DFX_INTERPRETER = 1,
  KPU_ENGINE_DFX_INTERPRETER_REORDERED = 2
} kpu_engine;

typedef struct kpu_execute_options {
  size_t struct_size;  /* sizeof(kpu_execute_options) */
  kpu_mode mode;
  kpu_engine engine;
} kpu_execute_options;

/* Initializes options to their defaults, struct_size included; NULL is ignored. */
void kpu_execute_options_init(kpu_execute_options* options);

/* A tensor passed to kpu_execute. For inputs `data` is read; for outputs the library writes
 * `size_bytes` into `data`. All pointers are borrowed for the call. In an array every element
 * has the same struct_size, which is also the array's stride. */
typedef struct kpu_tensor {
  size_t struct_size;  /* sizeof(kpu_tensor) */
  const char* name;
  kpu_dtype dtype;
  size_t rank;
  const int64_t* dims;
  void* data;
  size_t size_bytes;
} kpu_tensor;

/* Runs the program. Inputs and outputs are matched by name; every program input must be given
 * once, with its exact dtype and shape ("Input shape mismatch: ..."), and every output buffer
 * must match the output's dtype, shape ("Output shape mismatch: ...") and size; outputs are
 * optional, each named at most once. No buffer may overlap an output buffer. `options` may be
 * NULL (FUNCTIONAL, FAST). Output buffers are written only when the call succeeds. */
kpu_status kpu_execute(kpu_runtime* runtime, const kpu_tensor* inputs, size_t n_inputs,
                       kpu_tensor* outputs, size_t n_outputs, const kpu_execute_options* options);

/* KPUPerformanceMetrics of the last successful kpu_execute (seed 004). */
typedef struct kpu_metrics {
  size_t struct_size; /* sizeof(kpu_metrics) */
  uint64_t total_cycles;
  double total_time_us;
  uint64_t compute_cycles;
  uint64_t memory_stall_cycles;
  uint64_t other_cycles;
  uint64_t dram_reads_bytes;
  uint64_t dram_writes_bytes;
  uint64_t sram_reads_bytes;
  uint64_t sram_writes_bytes;
  uint64_t l1_hits;
  uint64_t l1_misses;
  uint64_t l2_hits;
  uint64_t l2_misses;
  double average_power_watts;
  double total_energy_uj;
  double compute_utilization;
  double memory_bandwidth_utilization;
  uint64_t total_macs;
  /* The most each SRAM level holds while any op runs: activations kept there between ops plus
   * the op's own tiles (0 for a level the config lacks). */
  uint64_t peak_l3_bytes;
  uint64_t peak_l2_bytes;
  uint64_t peak_l1_bytes;
} kpu_metrics;

/* Fills the caller's *out (set out->struct_size first). KPU_ERROR_INVALID_ARGUMENT if nothing
 * has run yet. */
kpu_status kpu_runtime_metrics(const kpu_runtime* runtime, kpu_metrics* out);
/* The same metrics as JSON, with the per-op breakdown (op_metrics); *out is owned by the caller
 * (kpu_buffer_destroy). */
kpu_status kpu_runtime_metrics_json(const kpu_runtime* runtime, kpu_buffer** out);
/* The DFX schedule the runtime will execute, as readable text (the loader's --dry-run); *out is
 * owned by the caller (kpu_buffer_destroy). */
kpu_status kpu_runtime_schedule_text(const kpu_runtime* runtime, kpu_buffer** out);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* KPU_C_API_KPU_H_ */
