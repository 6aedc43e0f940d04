// kpu-kernel-compiler --scalesim-topology FILE.csv -o OUT.kpu: each layer's SCALE-Sim-compatible
// compute cycles (scalesim_report.h) beside the compiled program's estimate of the op the layer
// became (kpu_program_op_estimate): the dataflow it was lowered in, compute and stall cycles,
// DRAM bytes.
#ifndef TOOLS_SCALESIM_COMPARE_H_
#define TOOLS_SCALESIM_COMPARE_H_

#include <cstdio>
#include <string>

#include "kpu/c_api/kpu.h"
#include "tools/scalesim_report.h"

namespace kpu::tools {

struct ScaleSimCompareHeader {
  std::string topology_path;
  std::string config_name;
  int64_t compute_tiles = 1;
  std::string dataflow;  // as requested: auto, os, ws, is
};

// The formulas are on the config's array, in the dataflow each op was lowered in. Returns the
// exit code; errors go to stderr.
int PrintScaleSimComparison(const char* tool, const ScaleSimCompareHeader& header, const ScaleSimTable& table,
                            const kpu_program* program, std::FILE* out);

}  // namespace kpu::tools

#endif  // TOOLS_SCALESIM_COMPARE_H_
