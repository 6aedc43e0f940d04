#include "tests/fuzz/fuzz_support.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "kpu/ir/dfx_walk.h"
#include "kpu/ir/object_format.h"
#include "kpu/ir/program.pb.h"

namespace kpu::fuzz {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

#ifdef KPU_LIBFUZZER
// A target run by `bazel test --config=asan` gets only its corpus folders as arguments; it then
// fuzzes for KPU_FUZZ_SECONDS (default 20) from them, writing what it finds to the test's
// scratch and output folders, never into the source tree. Run by hand (scripts/fuzz.sh), any
// libFuzzer flag on the command line means the caller chose everything, and argv is left alone.
void ArgumentsForATestRun(int* argc, char*** argv) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  if (tmp == nullptr) return;
  for (int i = 1; i < *argc; ++i) {
    if ((*argv)[i][0] == '-') return;
  }
  const char* seconds = std::getenv("KPU_FUZZ_SECONDS");
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  static std::vector<std::string> args;
  args.push_back((*argv)[0]);
  args.push_back(std::string("-max_total_time=") + (seconds != nullptr ? seconds : "20"));
  // An input that runs this long is a hang; the limits above keep honest inputs far below it.
  args.push_back("-timeout=25");
  args.push_back("-rss_limit_mb=3072");
  args.push_back("-print_final_stats=1");
  // Entropic scheduling spends most of the time in its own bookkeeping on these targets.
  args.push_back("-entropic=0");
  if (outputs != nullptr) args.push_back(std::string("-artifact_prefix=") + outputs + "/");
  // New inputs go to the first folder; the checked-in ones are only read.
  const std::string work = std::string(tmp) + "/corpus";
  mkdir(work.c_str(), 0755);
  args.push_back(work);
  for (int i = 1; i < *argc; ++i) {
    if (IsDirectory((*argv)[i])) args.push_back((*argv)[i]);
  }
  static std::vector<char*> pointers;
  for (std::string& a : args) pointers.push_back(a.data());
  pointers.push_back(nullptr);
  *argc = static_cast<int>(args.size());
  *argv = pointers.data();
  std::fprintf(stderr, "[fuzz] a test run: fuzzing for %s s from the checked-in corpus\n",
               seconds != nullptr ? seconds : "20");
}
#endif

// The DFX steps the program in `bytes` claims, when its container and operations parse;
// otherwise 0 (the loader rejects it quickly on its own).
uint64_t ClaimedSteps(const uint8_t* data, size_t size) {
  auto sections = DecodeContainer(std::string(reinterpret_cast<const char*>(data), size));
  if (!sections.ok()) return 0;
  uint64_t total = 0;
  for (const Section& s : *sections) {
    if (s.type != SectionType::kOperations) continue;
    ir::OperationList ops;
    if (!ops.ParseFromString(s.bytes)) return 0;
    for (const ir::KPUOp& op : ops.ops()) {
      auto steps = CountDfxSteps(op.dfx());
      if (!steps.ok()) return 0;
      total += std::min<uint64_t>(*steps, kMaxDfxSteps);
    }
  }
  return total;
}

std::string BufferBytes(kpu_buffer* buffer) {
  std::string bytes(static_cast<const char*>(kpu_buffer_data(buffer)), kpu_buffer_size(buffer));
  kpu_buffer_destroy(buffer);
  return bytes;
}

struct Tensors {
  std::vector<std::vector<int64_t>> dims;
  std::vector<std::vector<char>> data;
  std::vector<std::string> names;
  std::vector<kpu_tensor> tensors;
};

// Zero-filled tensors matching the program's inputs or outputs; false when they would take more
// than kMaxIoBytes.
bool ZeroTensors(const kpu_program* program, bool inputs, Tensors* out) {
  const size_t n = inputs ? kpu_program_input_count(program) : kpu_program_output_count(program);
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    kpu_tensor_info info{};
    info.struct_size = sizeof(info);
    const kpu_status s = inputs ? kpu_program_input_info(program, i, &info) : kpu_program_output_info(program, i, &info);
    Require(s == KPU_OK, "a loaded program describes each of its inputs and outputs");
    Require(info.rank <= KPU_MAX_RANK, "a tensor's rank is at most KPU_MAX_RANK");
    total += info.size_bytes;
    if (info.size_bytes > kMaxIoBytes || total > kMaxIoBytes) return false;
    out->names.push_back(info.name != nullptr ? info.name : "");
    out->dims.emplace_back(info.dims, info.dims + info.rank);
    out->data.emplace_back(info.size_bytes, 0);
    kpu_tensor t{};
    t.struct_size = sizeof(t);
    t.dtype = info.dtype;
    t.rank = info.rank;
    t.size_bytes = info.size_bytes;
    out->tensors.push_back(t);
  }
  // Pointers last: the vectors above no longer move.
  for (size_t i = 0; i < n; ++i) {
    out->tensors[i].name = out->names[i].c_str();
    out->tensors[i].dims = out->dims[i].data();
    out->tensors[i].data = out->data[i].data();
  }
  return true;
}

}  // namespace

void Fail(const std::string& what) {
  std::fprintf(stderr, "[fuzz] invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

void RequireError(kpu_status status, const char* call) {
  if (status < KPU_ERROR_INVALID_ARGUMENT || status > KPU_ERROR_INTERNAL) {
    Fail(std::string(call) + " returned an unlisted status " + std::to_string(static_cast<int>(status)));
  }
  // A bug in the toolchain is what KPU_ERROR_INTERNAL means; no input may provoke one.
  if (status == KPU_ERROR_INTERNAL) Fail(std::string(call) + " failed internally: " + kpu_last_error());
  if (kpu_last_error()[0] == '\0') Fail(std::string(call) + " failed without a message");
}

void RunProgram(const kpu_program* program, bool compiled) {
  kpu_buffer* buffer = nullptr;
  Require(kpu_program_serialize(program, &buffer) == KPU_OK, "a program serializes");
  const std::string bytes = BufferBytes(buffer);
  const uint64_t steps = ClaimedSteps(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (steps > kMaxFuzzSteps) return;

  kpu_program* again = nullptr;
  const kpu_status reread = kpu_program_deserialize(bytes.data(), bytes.size(), &again);
  if (reread != KPU_OK) {
    Fail(std::string(compiled ? "a compiled program" : "a program that loaded") +
         " does not deserialize from its own bytes: " + kpu_last_error());
  }
  Require(kpu_program_serialize(again, &buffer) == KPU_OK, "a program serializes");
  Require(BufferBytes(buffer) == bytes, "serialize(deserialize(bytes)) gives the same bytes");
  kpu_program_destroy(again);
  if (bytes.size() <= kMaxJsonProgramBytes) {
    Require(kpu_program_to_json(program, &buffer) == KPU_OK, "a program prints as JSON");
    kpu_buffer_destroy(buffer);
  }

  Tensors inputs, outputs;
  if (!ZeroTensors(program, true, &inputs) || !ZeroTensors(program, false, &outputs)) return;
  kpu_runtime* runtime = nullptr;
  const kpu_status loaded = kpu_load(program, nullptr, &runtime);
  if (loaded != KPU_OK) {
    RequireError(loaded, "kpu_load");
    Require(runtime == nullptr, "kpu_load leaves *out untouched on failure");
    return;
  }
  kpu_metrics untouched{};
  untouched.struct_size = sizeof(untouched);
  Require(kpu_runtime_metrics(runtime, &untouched) == KPU_ERROR_INVALID_ARGUMENT, "no metrics before a run");
  for (kpu_engine engine : {KPU_ENGINE_FAST, KPU_ENGINE_DFX_INTERPRETER, KPU_ENGINE_DFX_INTERPRETER_REORDERED}) {
    if (engine != KPU_ENGINE_FAST && steps > kMaxInterpretedSteps) break;
    kpu_execute_options options;
    kpu_execute_options_init(&options);
    options.engine = engine;
    const kpu_status ran = kpu_execute(runtime, inputs.tensors.data(), inputs.tensors.size(), outputs.tensors.data(),
                                       outputs.tensors.size(), &options);
    if (ran != KPU_OK) {
      RequireError(ran, "kpu_execute");
      // A program the compiler made runs on every engine.
      if (compiled) Fail(std::string("a compiled program fails to execute: ") + kpu_last_error());
      continue;
    }
    kpu_metrics metrics{};
    metrics.struct_size = sizeof(metrics);
    Require(kpu_runtime_metrics(runtime, &metrics) == KPU_OK, "metrics after a run");
    Require(kpu_runtime_metrics_json(runtime, &buffer) == KPU_OK, "metrics as JSON after a run");
    kpu_buffer_destroy(buffer);
  }
  Require(kpu_runtime_schedule_text(runtime, &buffer) == KPU_OK, "a loaded runtime prints its schedule");
  kpu_buffer_destroy(buffer);
  kpu_runtime_destroy(runtime);
}

void RunProgramBytes(const uint8_t* data, size_t size) {
  if (ClaimedSteps(data, size) > kMaxFuzzSteps) return;
  kpu_program* program = nullptr;
  const kpu_status s = kpu_program_deserialize(data, size, &program);
  if (s != KPU_OK) {
    RequireError(s, "kpu_program_deserialize");
    Require(program == nullptr, "kpu_program_deserialize leaves *out untouched on failure");
    return;
  }
  RunProgram(program, false);
  kpu_program_destroy(program);
}

void CompileAndRun(const kpu_graph* graph, const kpu_config* config) {
  kpu_program* program = nullptr;
  const kpu_status s = kpu_compile(graph, config, nullptr, &program);
  if (s != KPU_OK) {
    RequireError(s, "kpu_compile");
    Require(program == nullptr, "kpu_compile leaves *out untouched on failure");
    return;
  }
  RunProgram(program, true);
  kpu_program_destroy(program);
}

}  // namespace kpu::fuzz

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Protobuf logs every string field with invalid UTF-8 it refuses to parse; the parse fails and
  // the library reports it, so the log line is only noise at thousands of inputs a second.
  google::protobuf::SetLogHandler(nullptr);
  // The caller's own limit wins (scripts/fuzz.sh may raise it).
  setenv("KPU_MAX_HOST_MEMORY_BYTES", std::to_string(kpu::fuzz::kMaxHostMemoryBytes).c_str(), 0);
#ifdef KPU_LIBFUZZER
  kpu::fuzz::ArgumentsForATestRun(argc, argv);
#else
  (void)argc;
  (void)argv;
#endif
  return 0;
}
