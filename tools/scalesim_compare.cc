#include "tools/scalesim_compare.h"

#include <cinttypes>
#include <map>

namespace kpu::tools {
namespace {

constexpr char kOutputSuffix[] = ".output";  // kpu_graph_import_scalesim_topology's naming

// The layer an op computes: its output is "<layer>.output".
std::string LayerOf(const char* output) {
  const std::string s = output;
  const std::string suffix = kOutputSuffix;
  if (s.size() <= suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) return "";
  return s.substr(0, s.size() - suffix.size());
}

const char* ShortName(kpu_dataflow d) {
  switch (d) {
    case KPU_DATAFLOW_OUTPUT_STATIONARY: return "os";
    case KPU_DATAFLOW_WEIGHT_STATIONARY: return "ws";
    case KPU_DATAFLOW_INPUT_STATIONARY: return "is";
    default: return "-";  // not on the array
  }
}

}  // namespace

int PrintScaleSimComparison(const char* tool, const ScaleSimCompareHeader& h, const ScaleSimTable& table,
                            const kpu_program* program, std::FILE* out) {
  std::map<std::string, const ScaleSimRow*> by_name;
  for (const ScaleSimRow& r : table.rows) by_name[r.name] = &r;
  std::fprintf(out,
               "SCALE-Sim topology %s compiled for %s (%" PRId64 " compute tile%s of %" PRId64 "x%" PRId64
               "), dataflow %s\n"
               "scalesim: SCALE-Sim-compatible compute cycles on one %" PRId64 "x%" PRId64
               " array in the dataflow the layer was lowered in;\n"
               "compute, stall, cycles, DRAM_B: the compiled program's estimate of the layer's op; vs_ss: compute / "
               "scalesim\n",
               h.topology_path.c_str(), h.config_name.c_str(), h.compute_tiles, h.compute_tiles == 1 ? "" : "s",
               table.array.rows, table.array.cols, h.dataflow.c_str(), table.array.rows, table.array.cols);
  std::fprintf(out, "%-24s %8s %6s %6s %4s %12s %12s %10s %12s %12s %8s\n", "layer", "M", "N", "K", "flow",
               "scalesim", "compute", "stall", "cycles", "DRAM_B", "vs_ss");
  uint64_t scalesim_total = 0, compute = 0, stall = 0, cycles = 0, dram = 0;
  size_t matched = 0;
  const size_t n = kpu_program_op_count(program);
  for (size_t i = 0; i < n; ++i) {
    kpu_op_estimate e;
    e.struct_size = sizeof(e);
    if (kpu_program_op_estimate(program, i, &e) != KPU_OK) {
      std::fprintf(stderr, "%s: estimating op %zu: %s\n", tool, i, kpu_last_error());
      return 1;
    }
    compute += e.compute_cycles;
    stall += e.stall_cycles;
    cycles += e.cycles;
    dram += e.dram_bytes;
    auto it = by_name.find(LayerOf(e.output));
    const int d = static_cast<int>(e.dataflow) - 1;  // KPU_DATAFLOW_* - 1 is ScaleSimRow's order
    if (it == by_name.end() || d < 0 || d > 2) {
      // Not a layer on the array: nothing to compare it with.
      std::fprintf(out, "%-24s %8s %6s %6s %4s %12s %12" PRIu64 " %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %8s\n",
                   e.id, "", "", "", ShortName(e.dataflow), "-", e.compute_cycles, e.stall_cycles, e.cycles,
                   e.dram_bytes, "");
      continue;
    }
    const ScaleSimRow& r = *it->second;
    ++matched;
    scalesim_total += r.cycles[d];
    std::fprintf(out,
                 "%-24s %8" PRId64 " %6" PRId64 " %6" PRId64 " %4s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64
                 " %12" PRIu64 " %7.2fx\n",
                 r.name.c_str(), r.gemm.gemm.m, r.gemm.gemm.n, r.gemm.gemm.k, ShortName(e.dataflow), r.cycles[d],
                 e.compute_cycles, e.stall_cycles, e.cycles, e.dram_bytes,
                 r.cycles[d] ? static_cast<double>(e.compute_cycles) / static_cast<double>(r.cycles[d]) : 0.0);
  }
  std::fprintf(out, "%-24s %8s %6s %6s %4s %12" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64 " %12" PRIu64 " %7.2fx\n",
               "total", "", "", "", "", scalesim_total, compute, stall, cycles, dram,
               scalesim_total ? static_cast<double>(compute) / static_cast<double>(scalesim_total) : 0.0);
  if (matched != table.rows.size()) {
    std::fprintf(stderr, "%s: %zu of the topology's %zu layers became an op on the array\n", tool, matched,
                 table.rows.size());
    return 1;
  }
  return 0;
}

}  // namespace kpu::tools
