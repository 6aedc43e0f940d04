#include "tools/scalesim_report.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "kpu/compiler/import/scalesim_topology.h"
#include "kpu/cost/array.h"
#include "kpu/cost/settings.h"

namespace kpu::tools {
namespace {

bool ParseArray(const std::string& text, cost::ArrayShape* out) {
  const size_t x = text.find_first_of("xX");
  if (x == std::string::npos || x == 0 || x + 1 >= text.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i != x && (text[i] < '0' || text[i] > '9')) return false;
  }
  if (x > 6 || text.size() - x - 1 > 6) return false;  // at most 999999 PEs a side
  out->rows = std::stoll(text.substr(0, x));
  out->cols = std::stoll(text.substr(x + 1));
  return out->rows > 0 && out->cols > 0;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

struct Row {
  std::string name;
  cost::GroupedGemm gemm;
  uint64_t folds = 0;
  uint64_t cycles = 0;
};

}  // namespace

int RunScaleSimReport(const char* tool, const ScaleSimReportOptions& o) {
  absl::StatusOr<cost::Dataflow> dataflow = cost::ParseDataflow(o.dataflow);
  if (!dataflow.ok()) {
    std::fprintf(stderr, "%s: --dataflow: %s\n", tool, std::string(dataflow.status().message()).c_str());
    return 2;
  }
  cost::ArrayShape array;
  if (!ParseArray(o.array, &array)) {
    std::fprintf(stderr, "%s: --array must be ROWSxCOLS with positive sizes (e.g. 32x32), got '%s'\n", tool,
                 o.array.c_str());
    return 2;
  }
  if (o.format != "text" && o.format != "json") {
    std::fprintf(stderr, "%s: --format must be text or json with --scalesim-topology, got '%s'\n", tool,
                 o.format.c_str());
    return 2;
  }
  std::ifstream f(o.topology_path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "%s: cannot read '%s'\n", tool, o.topology_path.c_str());
    return 1;
  }
  std::stringstream text;
  text << f.rdbuf();
  absl::StatusOr<compiler::ScaleSimTopology> topo = compiler::ParseScaleSimTopology(text.str(), o.topology_path);
  if (!topo.ok()) {
    std::fprintf(stderr, "%s: %s\n", tool, std::string(topo.status().message()).c_str());
    return 1;
  }
  const cost::CostSettings settings = cost::CostSettings::ScaleSim();
  std::vector<Row> rows;
  uint64_t total = 0;
  for (const compiler::ScaleSimLayer& layer : topo->layers) {
    Row r;
    r.name = layer.name;
    absl::StatusOr<cost::GroupedGemm> gemm = compiler::LayerGemm(*topo, layer);
    absl::StatusOr<uint64_t> folds =
        gemm.ok() ? cost::Folds(cost::MapGemm(gemm->gemm, *dataflow), array) : absl::StatusOr<uint64_t>(gemm.status());
    absl::StatusOr<uint64_t> cycles =
        folds.ok() ? cost::LayerComputeCycles(*gemm, *dataflow, array, settings) : absl::StatusOr<uint64_t>(folds.status());
    absl::StatusOr<uint64_t> sum = cycles.ok() ? cost::CheckedAdd(total, *cycles) : cycles;
    if (!sum.ok()) {
      std::fprintf(stderr, "%s: %s: layer '%s': %s\n", tool, o.topology_path.c_str(), layer.name.c_str(),
                   std::string(sum.status().message()).c_str());
      return 1;
    }
    r.gemm = *gemm;
    r.folds = *folds * static_cast<uint64_t>(gemm->count);
    r.cycles = *cycles;
    total = *sum;
    rows.push_back(r);
  }
  const std::string df = cost::DataflowShortName(*dataflow);
  if (o.format == "json") {
    std::printf("{\"topology\": %s, \"dataflow\": \"%s\", \"array_rows\": %" PRId64 ", \"array_cols\": %" PRId64
                ", \"setting\": \"scalesim\", \"layers\": [",
                JsonString(o.topology_path).c_str(), df.c_str(), array.rows, array.cols);
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::printf("%s\n  {\"name\": %s, \"m\": %" PRId64 ", \"n\": %" PRId64 ", \"k\": %" PRId64
                  ", \"folds\": %" PRIu64 ", \"compute_cycles\": %" PRIu64 "}",
                  i ? "," : "", JsonString(r.name).c_str(), r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k, r.folds,
                  r.cycles);
    }
    std::printf("\n], \"total_compute_cycles\": %" PRIu64 "}\n", total);
    return 0;
  }
  std::printf("SCALE-Sim compatible compute cycles: %s, %" PRId64 "x%" PRId64 " array, %s dataflow\n",
              o.topology_path.c_str(), array.rows, array.cols, df.c_str());
  std::printf("%-24s %10s %8s %8s %8s %14s\n", "layer", "M", "N", "K", "folds", "compute_cycles");
  for (const Row& r : rows) {
    std::printf("%-24s %10" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRIu64 " %14" PRIu64 "\n", r.name.c_str(),
                r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k, r.folds, r.cycles);
  }
  std::printf("%-24s %10s %8s %8s %8s %14" PRIu64 "\n", "total", "", "", "", "", total);
  return 0;
}

}  // namespace kpu::tools
