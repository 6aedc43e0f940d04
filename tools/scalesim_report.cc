#include "tools/scalesim_report.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "kpu/compiler/import/scalesim_topology.h"
#include "kpu/cost/array.h"
#include "kpu/cost/settings.h"

namespace kpu::tools {
namespace {

// ScaleSimRow's order.
constexpr cost::Dataflow kAll[] = {cost::Dataflow::kOutputStationary, cost::Dataflow::kWeightStationary,
                                   cost::Dataflow::kInputStationary};

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

}  // namespace

absl::StatusOr<std::string> ReadScaleSimTopology(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  if (static_cast<uint64_t>(st.st_size) > compiler::kMaxScaleSimTopologyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("SCALE-Sim topology ", path, ": the file is ", st.st_size,
                                                   " bytes, more than the 16 MiB a topology may have"));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::string text(static_cast<size_t>(st.st_size), '\0');
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(f.gcount()));  // a file that shrank meanwhile
  return text;
}

absl::StatusOr<ScaleSimTable> ScaleSimFormulas(const std::string& text, const std::string& path,
                                               const cost::ArrayShape& array) {
  absl::StatusOr<compiler::ScaleSimTopology> topo = compiler::ParseScaleSimTopology(text, path);
  if (!topo.ok()) return topo.status();
  const cost::CostSettings settings = cost::CostSettings::ScaleSim();
  ScaleSimTable table;
  table.array = array;
  for (const compiler::ScaleSimLayer& layer : topo->layers) {
    ScaleSimRow r;
    r.name = layer.name;
    r.line = layer.line;
    // LayerGemm's errors name the layer and line; the cycle counts' do not.
    absl::StatusOr<cost::GroupedGemm> gemm = compiler::LayerGemm(*topo, layer);
    if (!gemm.ok()) return absl::InvalidArgumentError(absl::StrCat("SCALE-Sim topology ", path, ": ", gemm.status().message()));
    absl::Status status;
    for (int d = 0; d < 3 && status.ok(); ++d) {
      absl::StatusOr<uint64_t> folds = cost::Folds(cost::MapGemm(gemm->gemm, kAll[d]), array);
      absl::StatusOr<uint64_t> cycles =
          folds.ok() ? cost::LayerComputeCycles(*gemm, kAll[d], array, settings) : absl::StatusOr<uint64_t>(folds.status());
      absl::StatusOr<uint64_t> sum = cycles.ok() ? cost::CheckedAdd(table.total[d], *cycles) : cycles;
      status = sum.status();
      if (!status.ok()) break;
      r.folds[d] = *folds * static_cast<uint64_t>(gemm->count);
      r.cycles[d] = *cycles;
      table.total[d] = *sum;
      if (r.cycles[d] < r.cycles[r.best]) r.best = d;
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("SCALE-Sim topology ", path, ": layer '", layer.name, "' (line ", layer.line, "): ", status.message()));
    }
    table.best_total += r.cycles[r.best];
    r.gemm = *gemm;
    table.rows.push_back(r);
  }
  return table;
}

int RunScaleSimReport(const char* tool, const ScaleSimReportOptions& o) {
  // "all" shows the three dataflows side by side and the cheapest per layer.
  const bool all = o.dataflow == "all";
  absl::StatusOr<cost::Dataflow> dataflow = all ? cost::Dataflow::kOutputStationary : cost::ParseDataflow(o.dataflow);
  if (!dataflow.ok()) {
    std::fprintf(stderr, "%s: --dataflow: %s, or all\n", tool, std::string(dataflow.status().message()).c_str());
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
  absl::StatusOr<std::string> text = ReadScaleSimTopology(o.topology_path);
  absl::StatusOr<ScaleSimTable> table =
      text.ok() ? ScaleSimFormulas(*text, o.topology_path, array) : absl::StatusOr<ScaleSimTable>(text.status());
  if (!table.ok()) {
    std::fprintf(stderr, "%s: %s\n", tool, std::string(table.status().message()).c_str());
    return 1;
  }
  const std::vector<ScaleSimRow>& rows = table->rows;
  const uint64_t* total = table->total;
  const uint64_t best_total = table->best_total;
  const int sel = static_cast<int>(*dataflow);
  const std::string df = all ? "all" : cost::DataflowShortName(*dataflow);
  if (o.format == "json") {
    std::printf("{\"topology\": %s, \"dataflow\": \"%s\", \"array_rows\": %" PRId64 ", \"array_cols\": %" PRId64
                ", \"setting\": \"scalesim\", \"layers\": [",
                JsonString(o.topology_path).c_str(), df.c_str(), array.rows, array.cols);
    for (size_t i = 0; i < rows.size(); ++i) {
      const ScaleSimRow& r = rows[i];
      std::printf("%s\n  {\"name\": %s, \"m\": %" PRId64 ", \"n\": %" PRId64 ", \"k\": %" PRId64, i ? "," : "",
                  JsonString(r.name).c_str(), r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k);
      if (all) {
        for (int d = 0; d < 3; ++d) {
          std::printf(", \"%s\": {\"folds\": %" PRIu64 ", \"compute_cycles\": %" PRIu64 "}",
                      cost::DataflowShortName(kAll[d]).c_str(), r.folds[d], r.cycles[d]);
        }
        std::printf(", \"best\": \"%s\"}", cost::DataflowShortName(kAll[r.best]).c_str());
      } else {
        std::printf(", \"folds\": %" PRIu64 ", \"compute_cycles\": %" PRIu64 "}", r.folds[sel], r.cycles[sel]);
      }
    }
    if (all) {
      std::printf("\n], \"total_compute_cycles\": {\"os\": %" PRIu64 ", \"ws\": %" PRIu64 ", \"is\": %" PRIu64
                  ", \"best\": %" PRIu64 "}}\n",
                  total[0], total[1], total[2], best_total);
    } else {
      std::printf("\n], \"total_compute_cycles\": %" PRIu64 "}\n", total[sel]);
    }
    return 0;
  }
  std::printf("SCALE-Sim compatible compute cycles: %s, %" PRId64 "x%" PRId64 " array, %s dataflow%s\n",
              o.topology_path.c_str(), array.rows, array.cols, df.c_str(), all ? "s" : "");
  if (all) {
    std::printf("%-24s %10s %8s %8s %12s %12s %12s %5s\n", "layer", "M", "N", "K", "os", "ws", "is", "best");
    for (const ScaleSimRow& r : rows) {
      std::printf("%-24s %10" PRId64 " %8" PRId64 " %8" PRId64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %5s\n",
                  r.name.c_str(), r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k, r.cycles[0], r.cycles[1], r.cycles[2],
                  cost::DataflowShortName(kAll[r.best]).c_str());
    }
    std::printf("%-24s %10s %8s %8s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %5s\n", "total", "", "", "", total[0],
                total[1], total[2], "");
    std::printf("%-24s %10s %8s %8s %12" PRIu64 "\n", "best per layer", "", "", "", best_total);
    return 0;
  }
  std::printf("%-24s %10s %8s %8s %8s %14s\n", "layer", "M", "N", "K", "folds", "compute_cycles");
  for (const ScaleSimRow& r : rows) {
    std::printf("%-24s %10" PRId64 " %8" PRId64 " %8" PRId64 " %8" PRIu64 " %14" PRIu64 "\n", r.name.c_str(),
                r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k, r.folds[sel], r.cycles[sel]);
  }
  std::printf("%-24s %10s %8s %8s %8s %14" PRIu64 "\n", "total", "", "", "", "", total[sel]);
  return 0;
}

}  // namespace kpu::tools
