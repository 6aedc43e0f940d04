// kpu-kernel-compiler: compiles a graph (.dfg, JSON or protobuf) into a KPU object file (.kpu).
//
//   kpu-kernel-compiler GRAPH [-o OUT.kpu] [--config PRESET|CONFIG.json]
//       [--dataflow auto|os|ws|is] [--no-fusion] [--no-residency] [--format binary|json] [--dump] [--verbose]
//   kpu-kernel-compiler --scalesim-topology FILE.csv [--dataflow os|ws|is|all] [--array RxC] [--format text|json]
#include <cstdio>
#include <string>

#include "kpu/c_api/kpu.h"
#include "tools/cli_args.h"
#include "tools/cli_common.h"
#include "tools/scalesim_report.h"

namespace {

constexpr char kTool[] = "kpu-kernel-compiler";

void Usage() {
  std::fprintf(stderr,
               "usage: %s GRAPH.dfg [-o OUT.kpu] [--config PRESET|CONFIG.json] [--dataflow auto|os|ws|is]\n"
               "       [--no-fusion] [--no-residency] [--format binary|json] [--dump] [--verbose]\n"
               "       %s --scalesim-topology FILE.csv [--dataflow os|ws|is|all] [--array RxC] [--format text|json]\n\n"
               "  -o, --output   where to write the program (default: GRAPH with .kpu; '-' for stdout)\n"
               "  --format json  write the JSON view of the program instead of the binary object\n"
               "  --dump         also print the JSON view to stdout (alias: --emit-dfx)\n"
               "  --dataflow     auto (default: the cheapest per op by the cost model), or force\n"
               "                 output-stationary (os), weight-stationary (ws), input-stationary (is)\n"
               "  --no-residency write every activation to DRAM and read it back (default: keep it in\n"
               "                 L2/L3 for its consumer when it fits)\n"
               "  --config       a preset (swkpu-v1, minimal, edge_ai, embodied_ai, datacenter) or a JSON file\n"
               "  --scalesim-topology  print each layer's compute cycles in the SCALE-Sim compatibility\n"
               "                 setting (equal to SCALE-Sim 3.0's Total Cycles) on an RxC array (default 32x32)\n",
               kTool, kTool);
}

std::string DefaultOutput(const std::string& graph) {
  std::string base = graph;
  for (const char* ext : {".dfg.json", ".dfg", ".json", ".pb"}) {
    const std::string e(ext);
    if (base.size() > e.size() && base.compare(base.size() - e.size(), e.size(), e) == 0) {
      base.resize(base.size() - e.size());
      break;
    }
  }
  return base + ".kpu";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kpu::tools;
  ParsedArgs args = ParseArgs(argc, argv, {"-o", "--output", "--config", "--dataflow", "--format", "--tile-strategy",
                                                 "--scalesim-topology", "--array"},
                              {"--no-fusion", "--no-residency", "--dump", "--emit-dfx", "--verbose", "-h", "--help"});
  if (args.Has("-h") || args.Has("--help")) {
    Usage();
    return 0;
  }
  if (args.error.empty() && args.Has("--scalesim-topology")) {
    if (!args.positional.empty()) {
      std::fprintf(stderr, "%s: --scalesim-topology takes no GRAPH file\n", kTool);
      return 2;
    }
    ScaleSimReportOptions o;
    o.topology_path = args.Get("--scalesim-topology");
    o.dataflow = args.Get("--dataflow", "os");
    o.array = args.Get("--array", "32x32");
    o.format = args.Get("--format", "text");
    return RunScaleSimReport(kTool, o);
  }
  if (!args.error.empty() || args.positional.size() != 1) {
    std::fprintf(stderr, "%s: %s\n", kTool, args.error.empty() ? "expected exactly one GRAPH file" : args.error.c_str());
    Usage();
    return 2;
  }
  const std::string graph_path = args.positional[0];
  const std::string format = args.Get("--format", "binary");
  if (format != "binary" && format != "json") {
    std::fprintf(stderr, "%s: --format must be binary or json, got '%s'\n", kTool, format.c_str());
    return 2;
  }
  const std::string dataflow = args.Get("--dataflow", "auto");
  kpu_compile_options options;
  kpu_compile_options_init(&options);
  if (dataflow == "output-stationary" || dataflow == "os") options.dataflow = KPU_DATAFLOW_OUTPUT_STATIONARY;
  else if (dataflow == "weight-stationary" || dataflow == "ws") options.dataflow = KPU_DATAFLOW_WEIGHT_STATIONARY;
  else if (dataflow == "input-stationary" || dataflow == "is") options.dataflow = KPU_DATAFLOW_INPUT_STATIONARY;
  else if (dataflow != "auto") {
    std::fprintf(stderr, "%s: unknown --dataflow '%s'\n", kTool, dataflow.c_str());
    return 2;
  }
  options.enable_fusion = args.Has("--no-fusion") ? 0 : 1;
  options.enable_residency = args.Has("--no-residency") ? 0 : 1;
  const std::string out_path = args.Get("--output", args.Get("-o", DefaultOutput(graph_path)));
  const bool verbose = args.Has("--verbose");

  kpu_graph* graph = nullptr;
  kpu_status s = kpu_graph_load_file(graph_path.c_str(), &graph);
  if (s != KPU_OK) return Report(kTool, "reading graph", s);
  kpu_config* config = nullptr;
  if ((s = LoadConfig(args.Get("--config"), &config)) != KPU_OK) return Report(kTool, "config", s);
  if (verbose) std::fprintf(stderr, "compiling %s for %s\n", graph_path.c_str(), kpu_config_name(config));
  kpu_program* program = nullptr;
  s = kpu_compile(graph, config, &options, &program);
  if (s != KPU_OK) return Report(kTool, "compiling " + graph_path, s);

  kpu_buffer* json = nullptr;
  if (format == "json" || args.Has("--dump") || args.Has("--emit-dfx")) {
    if ((s = kpu_program_to_json(program, &json)) != KPU_OK) return Report(kTool, "JSON view", s);
  }
  kpu_buffer* object = nullptr;
  if (format == "binary" && (s = kpu_program_serialize(program, &object)) != KPU_OK) return Report(kTool, "serializing", s);
  kpu_buffer* payload = format == "json" ? json : object;
  if (out_path == "-") {
    std::fwrite(kpu_buffer_data(payload), 1, kpu_buffer_size(payload), stdout);
  } else if (!WriteFile(out_path, kpu_buffer_data(payload), kpu_buffer_size(payload))) {
    std::fprintf(stderr, "%s: cannot write '%s'\n", kTool, out_path.c_str());
    return 1;
  }
  if (json != nullptr && format == "binary") std::fwrite(kpu_buffer_data(json), 1, kpu_buffer_size(json), stdout);
  if (out_path != "-") {
    std::fprintf(stderr, "%s: wrote %s (%zu bytes, %s)\n", kTool, out_path.c_str(), kpu_buffer_size(payload),
                 format.c_str());
  }
  kpu_buffer_destroy(object);
  kpu_buffer_destroy(json);
  kpu_program_destroy(program);
  kpu_config_destroy(config);
  kpu_graph_destroy(graph);
  return 0;
}
