// kpu-kernel-compiler --scalesim-topology: the per-layer compute cycles of a SCALE-Sim topology
// in kpu/cost's SCALE-Sim compatibility setting, which equal SCALE-Sim 3.0's `Total Cycles`.
#ifndef TOOLS_SCALESIM_REPORT_H_
#define TOOLS_SCALESIM_REPORT_H_

#include <string>

namespace kpu::tools {

struct ScaleSimReportOptions {
  std::string topology_path;
  std::string dataflow = "os";  // os | ws | is
  std::string array = "32x32";  // RxC
  std::string format = "text";  // text | json
};

// Prints the table (or JSON) to stdout; returns the process exit code, with the error on stderr.
int RunScaleSimReport(const char* tool, const ScaleSimReportOptions& options);

}  // namespace kpu::tools

#endif  // TOOLS_SCALESIM_REPORT_H_
