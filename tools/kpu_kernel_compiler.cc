// kpu-kernel-compiler: compiles a graph (.dfg, JSON or protobuf) into a KPU object file (.kpu).
//
//   kpu-kernel-compiler GRAPH [-o OUT.kpu] [--config PRESET|CONFIG.json]
//       [--dataflow auto|os|ws|is] [--no-fusion] [--no-residency] [--format binary|json] [--dump] [--verbose]
//   kpu-kernel-compiler --scalesim-topology FILE.csv -o OUT.kpu [the options above] [--emit-graph OUT.dfg]
//   kpu-kernel-compiler --scalesim-topology FILE.csv [--dataflow os|ws|is|all] [--array RxC] [--format text|json]
//       [--emit-graph OUT.dfg]
#include <cstdio>
#include <string>

#include "kpu/c_api/kpu.h"
#include "tools/cli_args.h"
#include "tools/cli_common.h"
#include "tools/scalesim_compare.h"
#include "tools/scalesim_report.h"

namespace {

constexpr char kTool[] = "kpu-kernel-compiler";

void Usage() {
  std::fprintf(stderr,
               "usage: %s GRAPH.dfg [-o OUT.kpu] [--config PRESET|CONFIG.json] [--dataflow auto|os|ws|is]\n"
               "       [--no-fusion] [--no-residency] [--format binary|json] [--dump] [--verbose]\n"
               "       %s --scalesim-topology FILE.csv -o OUT.kpu [the options above] [--emit-graph OUT.dfg]\n"
               "       %s --scalesim-topology FILE.csv [--dataflow os|ws|is|all] [--array RxC] [--format text|json]\n"
               "       [--emit-graph OUT.dfg]\n\n"
               "  -o, --output   where to write the program (default: GRAPH with .kpu; '-' for stdout)\n"
               "  --format json  write the JSON view of the program instead of the binary object\n"
               "  --dump         also print the JSON view to stdout (alias: --emit-dfx)\n"
               "  --dataflow     auto (default: the cheapest per op by the cost model), or force\n"
               "                 output-stationary (os), weight-stationary (ws), input-stationary (is)\n"
               "  --no-residency write every activation to DRAM and read it back (default: keep it in\n"
               "                 L2/L3 for its consumer when it fits)\n"
               "  --config       a preset (swkpu-v1, minimal, edge_ai, embodied_ai, datacenter) or a JSON file\n"
               "  --scalesim-topology  a SCALE-Sim topology CSV (conv or GEMM form). With -o: imports it as a\n"
               "                 graph (each layer its own conv2d or matmul, its input a graph input, its weights\n"
               "                 deterministic pseudo-random values in [-0.1, 0.1)), compiles it like a .dfg and\n"
               "                 prints per layer the SCALE-Sim-compatible compute cycles on the config's array,\n"
               "                 in the dataflow the layer was lowered in, beside the program's estimate (compute\n"
               "                 and stall cycles, DRAM bytes); to stderr when stdout carries the program or --dump.\n"
               "                 Without -o: only the formulas, each layer's compute cycles in the SCALE-Sim\n"
               "                 compatibility setting (equal to SCALE-Sim 3.0's Total Cycles) on an RxC array\n"
               "                 (--array, default 32x32), for one dataflow or all (default os)\n"
               "  --emit-graph   also write the imported topology as a graph (.dfg; JSON if the name ends in\n"
               "                 .json, protobuf binary otherwise), to inspect it or compile it again\n",
               kTool, kTool, kTool);
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

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Writes the graph as a .dfg: JSON when the name says so, else protobuf binary.
int WriteGraph(const kpu_graph* graph, const std::string& path) {
  kpu_buffer* bytes = nullptr;
  if (kpu_status s = kpu_graph_serialize(graph, EndsWith(path, ".json") ? 1 : 0, &bytes); s != KPU_OK) {
    return kpu::tools::Report(kTool, "serializing the graph", s);
  }
  const bool ok = kpu::tools::WriteFile(path, kpu_buffer_data(bytes), kpu_buffer_size(bytes));
  const size_t size = kpu_buffer_size(bytes);
  kpu_buffer_destroy(bytes);
  if (!ok) {
    std::fprintf(stderr, "%s: cannot write '%s'\n", kTool, path.c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: wrote %s (%zu bytes, graph)\n", kTool, path.c_str(), size);
  return 0;
}

// Reads and imports a topology; *text keeps the bytes for the formulas.
int ImportTopology(const std::string& path, std::string* text, kpu_graph** graph) {
  absl::StatusOr<std::string> read = kpu::tools::ReadScaleSimTopology(path);
  if (!read.ok()) {
    std::fprintf(stderr, "%s: %s\n", kTool, std::string(read.status().message()).c_str());
    return 1;
  }
  *text = std::move(*read);
  if (kpu_status s = kpu_graph_import_scalesim_topology(text->data(), text->size(), path.c_str(), graph);
      s != KPU_OK) {
    std::fprintf(stderr, "%s: %s\n", kTool, kpu_last_error());  // the message names the file
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kpu::tools;
  ParsedArgs args = ParseArgs(argc, argv, {"-o", "--output", "--config", "--dataflow", "--format", "--tile-strategy",
                                                 "--scalesim-topology", "--array", "--emit-graph"},
                              {"--no-fusion", "--no-residency", "--dump", "--emit-dfx", "--verbose", "-h", "--help"});
  if (args.Has("-h") || args.Has("--help")) {
    Usage();
    return 0;
  }
  const bool topology = args.error.empty() && args.Has("--scalesim-topology");
  const bool has_output = args.Has("-o") || args.Has("--output");
  if (topology && !args.positional.empty()) {
    std::fprintf(stderr, "%s: --scalesim-topology takes no GRAPH file\n", kTool);
    return 2;
  }
  if (!topology && args.error.empty() && args.Has("--emit-graph")) {
    std::fprintf(stderr, "%s: --emit-graph writes an imported --scalesim-topology; a GRAPH is already a graph\n", kTool);
    return 2;
  }
  const std::string topology_path = args.Get("--scalesim-topology");
  if (topology && !has_output) {
    // The formulas alone; the graph too if asked for.
    if (args.Has("--emit-graph")) {
      std::string text;
      kpu_graph* graph = nullptr;
      if (int rc = ImportTopology(topology_path, &text, &graph); rc != 0) return rc;
      const int rc = WriteGraph(graph, args.Get("--emit-graph"));
      kpu_graph_destroy(graph);
      if (rc != 0) return rc;
    }
    ScaleSimReportOptions o;
    o.topology_path = topology_path;
    o.dataflow = args.Get("--dataflow", "os");
    o.array = args.Get("--array", "32x32");
    o.format = args.Get("--format", "text");
    return RunScaleSimReport(kTool, o);
  }
  if (!args.error.empty() || (!topology && args.positional.size() != 1)) {
    std::fprintf(stderr, "%s: %s\n", kTool, args.error.empty() ? "expected exactly one GRAPH file" : args.error.c_str());
    Usage();
    return 2;
  }
  if (topology && args.Has("--array")) {
    std::fprintf(stderr, "%s: --array is for the formulas alone (no -o); a compiled topology uses the config's array\n",
                 kTool);
    return 2;
  }
  const std::string source = topology ? topology_path : args.positional[0];
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
    std::fprintf(stderr, "%s: unknown --dataflow '%s'%s\n", kTool, dataflow.c_str(),
                 topology && dataflow == "all" ? " (all is for the formulas alone, without -o)" : "");
    return 2;
  }
  options.enable_fusion = args.Has("--no-fusion") ? 0 : 1;
  options.enable_residency = args.Has("--no-residency") ? 0 : 1;
  const std::string out_path = args.Get("--output", args.Get("-o", DefaultOutput(source)));
  const bool verbose = args.Has("--verbose");
  const bool dump = args.Has("--dump") || args.Has("--emit-dfx");

  kpu_graph* graph = nullptr;
  std::string topology_text;
  kpu_status s = KPU_OK;
  if (topology) {
    if (int rc = ImportTopology(topology_path, &topology_text, &graph); rc != 0) return rc;
    if (args.Has("--emit-graph")) {
      if (int rc = WriteGraph(graph, args.Get("--emit-graph")); rc != 0) return rc;
    }
  } else if ((s = kpu_graph_load_file(source.c_str(), &graph)) != KPU_OK) {
    return Report(kTool, "reading graph", s);
  }
  kpu_config* config = nullptr;
  if ((s = LoadConfig(args.Get("--config"), &config)) != KPU_OK) return Report(kTool, "config", s);
  if (verbose) std::fprintf(stderr, "compiling %s for %s\n", source.c_str(), kpu_config_name(config));
  kpu_program* program = nullptr;
  s = kpu_compile(graph, config, &options, &program);
  if (s != KPU_OK) return Report(kTool, "compiling " + source, s);

  kpu_buffer* json = nullptr;
  if (format == "json" || dump) {
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
  int rc = 0;
  if (topology) {
    // The formulas on the array the program was compiled for.
    int64_t rows = 0, cols = 0, tiles = 0;
    if ((s = kpu_config_compute_shape(config, &rows, &cols, &tiles)) != KPU_OK) return Report(kTool, "config", s);
    absl::StatusOr<ScaleSimTable> table = ScaleSimFormulas(topology_text, topology_path, {rows, cols});
    if (!table.ok()) {
      std::fprintf(stderr, "%s: %s\n", kTool, std::string(table.status().message()).c_str());
      rc = 1;
    } else {
      const ScaleSimCompareHeader header{topology_path, kpu_config_name(config), tiles, dataflow};
      rc = PrintScaleSimComparison(kTool, header, *table, program, out_path == "-" || dump ? stderr : stdout);
    }
  }
  kpu_buffer_destroy(object);
  kpu_buffer_destroy(json);
  kpu_program_destroy(program);
  kpu_config_destroy(config);
  kpu_graph_destroy(graph);
  return rc;
}
