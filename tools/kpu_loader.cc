// kpu-loader: loads a KPU object file (.kpu), runs it on the simulated KPU and reports metrics.
//
//   kpu-loader PROGRAM.kpu [--config PRESET|CONFIG.json] [--input NAME=FILE ...]
//       [--output NAME=FILE ...] [--output-dir DIR] [--random-inputs SEED]
//       [--engine fast|interpreter|interpreter-reordered] [--mode functional|behavioral] [--metrics-json FILE]
//       [--dry-run] [--verbose]
//
// Tensor files hold raw little-endian values of the tensor's dtype, row-major.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "kpu/c_api/kpu.h"
#include "tools/cli_args.h"
#include "tools/cli_common.h"

namespace {

constexpr char kTool[] = "kpu-loader";

void Usage() {
  std::fprintf(stderr,
               "usage: %s PROGRAM.kpu [--config PRESET|CONFIG.json] [--input NAME=FILE ...]\n"
               "       [--output NAME=FILE ...] [--output-dir DIR] [--random-inputs SEED]\n"
               "       [--engine fast|interpreter|interpreter-reordered] [--mode functional|behavioral] [--metrics-json FILE]\n"
               "       [--dry-run] [--verbose]\n\n"
               "  --input NAME=FILE   raw little-endian tensor data for input NAME (repeatable)\n"
               "  --output NAME=FILE  where to write output NAME (default: DIR/NAME.bin with --output-dir)\n"
               "  --dry-run           print the bound schedule without executing\n",
               kTool);
}

std::string Shape(const kpu_tensor_info& info) {
  std::string s = "(";
  for (size_t d = 0; d < info.rank; ++d) s += (d ? "," : "") + std::to_string(info.dims[d]);
  return s + ")";
}

bool SplitAssignment(const std::string& arg, std::string* name, std::string* file) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) return false;
  *name = arg.substr(0, eq);
  *file = arg.substr(eq + 1);
  return true;
}

void PrintMetrics(const kpu_metrics& m) {
  std::printf("metrics (FUNCTIONAL, analytical model):\n");
  std::printf("  total_cycles          %llu\n", static_cast<unsigned long long>(m.total_cycles));
  std::printf("  total_time_us         %.3f\n", m.total_time_us);
  std::printf("  compute_cycles        %llu\n", static_cast<unsigned long long>(m.compute_cycles));
  std::printf("  memory_stall_cycles   %llu\n", static_cast<unsigned long long>(m.memory_stall_cycles));
  std::printf("  dram_reads_bytes      %llu\n", static_cast<unsigned long long>(m.dram_reads_bytes));
  std::printf("  dram_writes_bytes     %llu\n", static_cast<unsigned long long>(m.dram_writes_bytes));
  std::printf("  sram_reads_bytes      %llu\n", static_cast<unsigned long long>(m.sram_reads_bytes));
  std::printf("  sram_writes_bytes     %llu\n", static_cast<unsigned long long>(m.sram_writes_bytes));
  std::printf("  total_macs            %llu\n", static_cast<unsigned long long>(m.total_macs));
  std::printf("  total_energy_uj       %.4f\n", m.total_energy_uj);
  std::printf("  average_power_watts   %.4f\n", m.average_power_watts);
  std::printf("  compute_utilization   %.4f\n", m.compute_utilization);
  std::printf("  memory_bw_utilization %.4f\n", m.memory_bandwidth_utilization);
}

// Uniform values in [0, 1), reproducible from the seed.
void FillRandom(std::vector<char>* bytes, unsigned seed) {
  auto* f = reinterpret_cast<float*>(bytes->data());
  unsigned s = seed * 2654435761u + 1;
  for (size_t i = 0; i < bytes->size() / sizeof(float); ++i) {
    s = s * 1664525u + 1013904223u;
    f[i] = static_cast<float>(s >> 8) / 16777216.0f;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kpu::tools;
  ParsedArgs args = ParseArgs(argc, argv,
                              {"--config", "--input", "--output", "--output-dir", "--random-inputs", "--engine",
                               "--mode", "--metrics-json", "--trace-output"},
                              {"--dry-run", "--verbose", "--profile", "-h", "--help"});
  if (args.Has("-h") || args.Has("--help")) {
    Usage();
    return 0;
  }
  if (!args.error.empty() || args.positional.size() != 1) {
    std::fprintf(stderr, "%s: %s\n", kTool, args.error.empty() ? "expected exactly one PROGRAM file" : args.error.c_str());
    Usage();
    return 2;
  }
  if (args.Has("--trace-output")) {
    std::fprintf(stderr, "%s: --trace-output is not implemented yet\n", kTool);
    return 2;
  }
  kpu_execute_options options;
  kpu_execute_options_init(&options);
  const std::string engine = args.Get("--engine", "fast");
  if (engine == "interpreter" || engine == "dfx") options.engine = KPU_ENGINE_DFX_INTERPRETER;
  else if (engine == "interpreter-reordered") options.engine = KPU_ENGINE_DFX_INTERPRETER_REORDERED;
  else if (engine != "fast") {
    std::fprintf(stderr, "%s: --engine must be fast, interpreter or interpreter-reordered\n", kTool);
    return 2;
  }
  const std::map<std::string, kpu_mode> modes = {{"functional", KPU_MODE_FUNCTIONAL},
                                                 {"behavioral", KPU_MODE_BEHAVIORAL},
                                                 {"transactional", KPU_MODE_TRANSACTIONAL},
                                                 {"cycle-accurate", KPU_MODE_CYCLE_ACCURATE},
                                                 {"power-trace", KPU_MODE_POWER_TRACE}};
  auto mode = modes.find(args.Get("--mode", "functional"));
  if (mode == modes.end()) {
    std::fprintf(stderr, "%s: unknown --mode '%s'\n", kTool, args.Get("--mode").c_str());
    return 2;
  }
  options.mode = mode->second;

  const std::string path = args.positional[0];
  kpu_program* program = nullptr;
  kpu_status s = kpu_program_load_file(path.c_str(), &program);
  if (s != KPU_OK) return Report(kTool, "loading program", s);
  kpu_config* config = nullptr;
  if (args.Has("--config") && (s = LoadConfig(args.Get("--config"), &config)) != KPU_OK) return Report(kTool, "config", s);
  kpu_runtime* runtime = nullptr;
  if ((s = kpu_load(program, config, &runtime)) != KPU_OK) return Report(kTool, "binding program", s);

  if (args.Has("--dry-run")) {
    kpu_buffer* schedule = nullptr;
    if ((s = kpu_runtime_schedule_text(runtime, &schedule)) != KPU_OK) return Report(kTool, "schedule", s);
    std::fwrite(kpu_buffer_data(schedule), 1, kpu_buffer_size(schedule), stdout);
    kpu_buffer_destroy(schedule);
    kpu_runtime_destroy(runtime);
    kpu_config_destroy(config);
    kpu_program_destroy(program);
    return 0;
  }

  std::map<std::string, std::string> input_files, output_files;
  for (const auto& arg : args.All("--input")) {
    std::string name, file;
    if (!SplitAssignment(arg, &name, &file)) {
      std::fprintf(stderr, "%s: --input takes NAME=FILE, got '%s'\n", kTool, arg.c_str());
      return 2;
    }
    input_files[name] = file;
  }
  for (const auto& arg : args.All("--output")) {
    std::string name, file;
    if (!SplitAssignment(arg, &name, &file)) {
      std::fprintf(stderr, "%s: --output takes NAME=FILE, got '%s'\n", kTool, arg.c_str());
      return 2;
    }
    output_files[name] = file;
  }

  std::vector<std::vector<char>> in_data, out_data;
  std::vector<kpu_tensor_info> in_info, out_info;
  std::vector<kpu_tensor> inputs, outputs;
  const size_t n_in = kpu_program_input_count(program), n_out = kpu_program_output_count(program);
  in_info.resize(n_in);
  out_info.resize(n_out);
  in_data.resize(n_in);
  out_data.resize(n_out);
  for (size_t i = 0; i < n_in; ++i) {
    in_info[i].struct_size = sizeof(kpu_tensor_info);
    kpu_program_input_info(program, i, &in_info[i]);
    const std::string name = in_info[i].name;
    in_data[i].resize(in_info[i].size_bytes);
    auto file = input_files.find(name);
    if (file != input_files.end()) {
      std::string bytes;
      if (!ReadFile(file->second, &bytes)) {
        std::fprintf(stderr, "%s: cannot read input file '%s'\n", kTool, file->second.c_str());
        return 1;
      }
      if (bytes.size() != in_data[i].size()) {
        std::fprintf(stderr, "%s: input '%s' %s needs %zu bytes, '%s' has %zu\n", kTool, name.c_str(),
                     Shape(in_info[i]).c_str(), in_data[i].size(), file->second.c_str(), bytes.size());
        return 1;
      }
      std::copy(bytes.begin(), bytes.end(), in_data[i].begin());
      input_files.erase(file);
    } else if (args.Has("--random-inputs") && in_info[i].dtype == KPU_DTYPE_FLOAT32) {
      FillRandom(&in_data[i], static_cast<unsigned>(std::stoul(args.Get("--random-inputs"))) + static_cast<unsigned>(i));
    } else {
      std::fprintf(stderr, "%s: no data for input '%s' %s: pass --input %s=FILE or --random-inputs SEED\n", kTool,
                   name.c_str(), Shape(in_info[i]).c_str(), name.c_str());
      return 2;
    }
    inputs.push_back({sizeof(kpu_tensor), in_info[i].name, in_info[i].dtype, in_info[i].rank, in_info[i].dims,
                      in_data[i].data(), in_data[i].size()});
  }
  if (!input_files.empty()) {
    std::fprintf(stderr, "%s: the program has no input '%s'\n", kTool, input_files.begin()->first.c_str());
    return 2;
  }
  for (size_t i = 0; i < n_out; ++i) {
    out_info[i].struct_size = sizeof(kpu_tensor_info);
    kpu_program_output_info(program, i, &out_info[i]);
    out_data[i].resize(out_info[i].size_bytes);
    outputs.push_back({sizeof(kpu_tensor), out_info[i].name, out_info[i].dtype, out_info[i].rank, out_info[i].dims,
                       out_data[i].data(), out_data[i].size()});
  }
  if ((s = kpu_execute(runtime, inputs.data(), inputs.size(), outputs.data(), outputs.size(), &options)) != KPU_OK) {
    return Report(kTool, "executing", s);
  }
  const std::string dir = args.Get("--output-dir");
  for (size_t i = 0; i < n_out; ++i) {
    std::string file = output_files.count(out_info[i].name) ? output_files[out_info[i].name]
                       : dir.empty()                       ? ""
                                                           : dir + "/" + out_info[i].name + ".bin";
    if (file.empty()) continue;
    if (!WriteFile(file, out_data[i].data(), out_data[i].size())) {
      std::fprintf(stderr, "%s: cannot write '%s'\n", kTool, file.c_str());
      return 1;
    }
    std::printf("wrote output %s %s to %s\n", out_info[i].name, Shape(out_info[i]).c_str(), file.c_str());
  }
  kpu_metrics m;
  m.struct_size = sizeof(m);
  if ((s = kpu_runtime_metrics(runtime, &m)) != KPU_OK) return Report(kTool, "metrics", s);
  PrintMetrics(m);
  if (args.Has("--metrics-json")) {
    kpu_buffer* json = nullptr;
    if ((s = kpu_runtime_metrics_json(runtime, &json)) != KPU_OK) return Report(kTool, "metrics", s);
    WriteFile(args.Get("--metrics-json"), kpu_buffer_data(json), kpu_buffer_size(json));
    kpu_buffer_destroy(json);
  }
  kpu_runtime_destroy(runtime);
  kpu_config_destroy(config);
  kpu_program_destroy(program);
  return 0;
}
