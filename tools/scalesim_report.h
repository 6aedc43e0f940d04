// kpu-kernel-compiler --scalesim-topology: the per-layer compute cycles of a SCALE-Sim topology
// in kpu/cost's SCALE-Sim compatibility setting, which equal SCALE-Sim 3.0's `Total Cycles`.
// ScaleSimFormulas computes them; RunScaleSimReport prints them alone (no -o), and
// scalesim_compare.h prints them beside a compiled program's estimates.
#ifndef TOOLS_SCALESIM_REPORT_H_
#define TOOLS_SCALESIM_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"

namespace kpu::tools {

// One layer under OS, WS and IS (indexed in cost::Dataflow order).
struct ScaleSimRow {
  std::string name;
  int line = 0;  // in the topology file
  cost::GroupedGemm gemm;
  uint64_t folds[3] = {0, 0, 0};
  uint64_t cycles[3] = {0, 0, 0};
  int best = 0;  // the cheapest dataflow
};

struct ScaleSimTable {
  cost::ArrayShape array;
  std::vector<ScaleSimRow> rows;
  uint64_t total[3] = {0, 0, 0};
  uint64_t best_total = 0;  // the cheapest dataflow per layer, summed
};

// Reads a topology file, refusing more than the bytes a topology may have before reading them.
absl::StatusOr<std::string> ReadScaleSimTopology(const std::string& path);

// Every layer of the topology text on `array`; errors name the file, line and layer.
absl::StatusOr<ScaleSimTable> ScaleSimFormulas(const std::string& text, const std::string& path,
                                               const cost::ArrayShape& array);

struct ScaleSimReportOptions {
  std::string topology_path;
  std::string dataflow = "os";  // os | ws | is, or all: the three side by side and the cheapest
  std::string array = "32x32";  // RxC
  std::string format = "text";  // text | json
};

// Prints the table (or JSON) to stdout; returns the process exit code, with the error on stderr.
int RunScaleSimReport(const char* tool, const ScaleSimReportOptions& options);

}  // namespace kpu::tools

#endif  // TOOLS_SCALESIM_REPORT_H_
