#include "kpu/compiler/tiling.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"

namespace kpu::compiler {
namespace {

// Multiples of `unit` doubling up to `limit`, plus `limit` itself.
std::vector<int64_t> Candidates(int64_t limit, int64_t unit) {
  std::vector<int64_t> out;
  for (int64_t t = std::max<int64_t>(unit, 1); t < limit; t *= 2) out.push_back(t);
  out.push_back(limit);
  return out;
}

}  // namespace

std::vector<ir::MemoryLevel> OnChipLevels(const ir::KPUConfig& config) {
  std::vector<ir::MemoryLevel> levels;
  for (ir::MemoryLevel l : {ir::L3, ir::L2, ir::L1}) {
    if (FindLevel(config, l) != nullptr) levels.push_back(l);
  }
  return levels;
}

uint64_t L1Capacity(const ir::KPUConfig& config) {
  std::vector<ir::MemoryLevel> levels = OnChipLevels(config);
  if (levels.empty()) return 0;
  return LevelCapacity(*FindLevel(config, levels.back()));
}

uint64_t StagingCapacity(const ir::KPUConfig& config) {
  std::vector<ir::MemoryLevel> levels = OnChipLevels(config);
  uint64_t cap = std::numeric_limits<uint64_t>::max();
  for (size_t i = 0; i + 1 < levels.size(); ++i) {
    cap = std::min(cap, LevelCapacity(*FindLevel(config, levels[i])));
  }
  return levels.size() <= 1 ? 0 : cap;
}

absl::StatusOr<MatmulTiling> ChooseMatmulTiling(int64_t m, int64_t n, int64_t k, int64_t batch,
                                                size_t e, bool has_bias, const ir::KPUConfig& config,
                                                const std::string& op_name) {
  const uint64_t l1_cap = L1Capacity(config);
  if (l1_cap == 0) return CompilationError("the KPU config has no on-chip memory level");
  const uint64_t stage_cap = StagingCapacity(config);
  const bool staging = OnChipLevels(config).size() > 1;
  const int64_t rows = config.compute().array_rows();
  const int64_t cols = config.compute().array_cols();
  const double dram_bpc = LevelBytesPerCycle(config, *FindLevel(config, ir::EXTERNAL));
  const double l1_bpc = LevelBytesPerCycle(config, *FindLevel(config, OnChipLevels(config).back()));

  MatmulTiling best;
  double best_cost = std::numeric_limits<double>::infinity();
  uint64_t smallest_l1 = std::numeric_limits<uint64_t>::max();
  for (int64_t tm : Candidates(m, rows)) {
    for (int64_t tn : Candidates(n, cols)) {
      for (int64_t tk : Candidates(k, 16)) {
        // A tile of several folds takes the whole K: its partial sums would not fit the array.
        if (tk < k && (tm > rows || tn > cols)) continue;
        const uint64_t l1 = e * (2 * (tm * tk + tk * tn) + (has_bias ? tn : 0) + tm * tn);
        smallest_l1 = std::min(smallest_l1, l1);
        if (l1 > l1_cap) continue;
        for (int panels = 0; panels < 4; ++panels) {
          const bool a_panel = staging && (panels & 1);
          const bool b_res = staging && (panels & 2);
          if (!staging && panels) continue;
          const uint64_t stage = e * ((a_panel ? tm * k : 2 * tm * tk) + (b_res ? k * n : 2 * tk * tn) +
                                      (has_bias ? (b_res ? n : tn) : 0) + tm * tn);
          if (staging && stage > stage_cap) continue;
          const int64_t ti = CeilDiv(m, tm), tj = CeilDiv(n, tn), tkn = CeilDiv(k, tk);
          // Output-stationary folds: each streams tk operands plus fill and drain (R + C - 2).
          const double compute = static_cast<double>(batch) * ti * tj * tkn * CeilDiv(tm, rows) *
                                 CeilDiv(tn, cols) * (tk + rows + cols - 2) /
                                 std::min<int64_t>(config.compute().compute_tiles(), batch * ti * tj);
          const double a_bytes = static_cast<double>(batch) * m * k * e;
          const double b_bytes = static_cast<double>(k) * n * e;
          const double c_bytes = static_cast<double>(batch) * m * n * e;
          const double dram = (a_panel ? a_bytes : a_bytes * tj) + (b_res ? b_bytes : b_bytes * ti * batch) + c_bytes;
          const double l1_traffic = a_bytes * tj + b_bytes * ti * batch + c_bytes;
          const double cost = std::max({compute, dram / dram_bpc, l1_traffic / l1_bpc});
          // Fastest first; among equally fast tilings the one moving fewer DRAM bytes (energy),
          // then the one holding less SRAM.
          const bool faster = cost < best_cost - 0.5;
          const bool as_fast = !faster && cost < best_cost + 0.5;
          const bool fewer_bytes = dram < best.estimated_dram_bytes - 0.5;
          const bool same_bytes = !fewer_bytes && dram < best.estimated_dram_bytes + 0.5;
          if (faster || (as_fast && (fewer_bytes || (same_bytes && l1 + stage < best.l1_bytes + best.staging_bytes)))) {
            best_cost = cost;
            best = MatmulTiling{tm, tn, tk, a_panel, b_res, l1, stage,
                                static_cast<uint64_t>(cost), static_cast<uint64_t>(dram)};
          }
        }
      }
    }
  }
  if (best.tm == 0) {
    if (smallest_l1 > l1_cap) {
      return MemoryExceededError("SRAM", smallest_l1, l1_cap, absl::StrCat("L1, smallest tile of matmul '", op_name, "'"));
    }
    return MemoryExceededError("SRAM", e * (rows * 16 * 2), stage_cap, absl::StrCat("staging levels, matmul '", op_name, "'"));
  }
  return best;
}

absl::StatusOr<RowTiling> ChooseRowTiling(const Shape& shape, const std::vector<bool>& whole, size_t e, int buffers_l1,
                                          int buffers_staging, const ir::KPUConfig& config,
                                          const std::string& op_name) {
  const uint64_t l1_cap = L1Capacity(config);
  const uint64_t stage_cap = OnChipLevels(config).size() > 1 ? StagingCapacity(config) : l1_cap;
  const int rank = static_cast<int>(shape.size());
  RowTiling t;
  t.tile = shape;
  auto fits = [&](const Shape& tile) {
    const uint64_t bytes = static_cast<uint64_t>(NumElements(tile)) * e;
    return bytes * buffers_l1 <= l1_cap && bytes * buffers_staging <= stage_cap;
  };
  // Shrink from the outermost dimension inwards, never splitting the whole ones.
  for (int d = 0; d < rank && !fits(t.tile); ++d) {
    if (d < static_cast<int>(whole.size()) && whole[d]) continue;
    t.tile[d] = 1;
    if (fits(t.tile)) {
      // Grow this dimension back as far as it fits.
      int64_t lo = 1, hi = shape[d];
      while (lo < hi) {
        int64_t mid = (lo + hi + 1) / 2;
        t.tile[d] = mid;
        if (fits(t.tile)) lo = mid; else hi = mid - 1;
      }
      t.tile[d] = lo;
    }
  }
  const uint64_t bytes = static_cast<uint64_t>(NumElements(t.tile)) * e;
  if (!fits(t.tile)) {
    return MemoryExceededError("SRAM", bytes * buffers_l1, l1_cap,
                               absl::StrCat("L1, one row of '", op_name, "'"));
  }
  t.l1_bytes = bytes * buffers_l1;
  t.staging_bytes = bytes * buffers_staging;
  return t;
}

}  // namespace kpu::compiler
