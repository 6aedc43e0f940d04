#include "kpu/compiler/tiling.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "kpu/cost/array.h"
#include "kpu/cost/energy.h"
#include "kpu/cost/link.h"
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

namespace {

// A dimension of `extent` cut into tiles of `tile`: `full` tiles of that size and, when it does
// not divide, one last tile of `last`.
struct Cut {
  int64_t tiles, full, tile, last;
};
Cut CutOf(int64_t extent, int64_t tile) {
  const int64_t full = extent / tile, last = extent % tile;
  return {full + (last != 0), full, tile, last};
}

// Array cycles of all tiles of the GEMM, by kpu/cost's fold model. Output stationary keeps an
// output tile's accumulators in the array over its K tiles, so its folds are paid once per output
// tile; WS and IS load a new stationary operand per (M, N, K) tile.
absl::StatusOr<uint64_t> TiledArrayCycles(int64_t m, int64_t n, int64_t k, int64_t tm, int64_t tn, int64_t tk,
                                          cost::Dataflow dataflow, const cost::ArrayShape& array) {
  const Cut cm = CutOf(m, tm), cn = CutOf(n, tn);
  const Cut ck = dataflow == cost::Dataflow::kOutputStationary ? Cut{1, 1, k, 0} : CutOf(k, tk);
  uint64_t total = 0;
  for (auto [mc, ms] : {std::pair<int64_t, int64_t>{cm.full, cm.tile}, {cm.last ? 1 : 0, cm.last}}) {
    for (auto [nc, ns] : {std::pair<int64_t, int64_t>{cn.full, cn.tile}, {cn.last ? 1 : 0, cn.last}}) {
      for (auto [kc, ks] : {std::pair<int64_t, int64_t>{ck.full, ck.tile}, {ck.last ? 1 : 0, ck.last}}) {
        if (mc == 0 || nc == 0 || kc == 0) continue;
        KPU_ASSIGN_OR_RETURN(uint64_t one, cost::GemmComputeCycles({ms, ns, ks}, dataflow, array));
        KPU_ASSIGN_OR_RETURN(uint64_t count, cost::CheckedMul(static_cast<uint64_t>(mc) * nc, kc));
        KPU_ASSIGN_OR_RETURN(uint64_t part, cost::CheckedMul(one, count));
        KPU_ASSIGN_OR_RETURN(total, cost::CheckedAdd(total, part));
      }
    }
  }
  return total;
}

}  // namespace

absl::StatusOr<MatmulTiling> ChooseMatmulTiling(int64_t m, int64_t n, int64_t k, int64_t batch,
                                                size_t e, bool has_bias, const ir::KPUConfig& config,
                                                const std::string& op_name, cost::Dataflow dataflow,
                                                ir::DataType dtype, bool b_batched) {
  const uint64_t l1_cap = L1Capacity(config);
  if (l1_cap == 0) return CompilationError("the KPU config has no on-chip memory level");
  if (m <= 0 || n <= 0 || k <= 0 || batch <= 0) {
    return CompilationError(absl::StrCat("matmul '", op_name, "': sizes must be positive, got batch ", batch, ", M ", m,
                                         ", N ", n, ", K ", k));
  }
  const uint64_t stage_cap = StagingCapacity(config);
  const std::vector<ir::MemoryLevel> on_chip = OnChipLevels(config);
  const bool staging = on_chip.size() > 1;
  const ir::MemoryLevel l1_level = on_chip.back();
  const ir::MemoryLevel stage = staging ? on_chip[on_chip.size() - 2] : ir::EXTERNAL;
  const int64_t rows = config.compute().array_rows();
  const int64_t cols = config.compute().array_cols();
  const cost::ArrayShape array{rows, cols};
  const uint64_t tiles = config.compute().compute_tiles();

  // Bytes each link carries and the cycles that takes, as cost::EstimateOp will count the DFX.
  std::array<double, 5> link_bpc{};
  for (int l = 0; l < 5; ++l) {
    if (FindLevel(config, static_cast<ir::MemoryLevel>(l)) != nullptr) {
      KPU_ASSIGN_OR_RETURN(link_bpc[l], cost::LinkBytesPerCycle(config, static_cast<ir::MemoryLevel>(l)));
    }
  }
  // Energy per byte carried over each link: read at the link's level, written at the next level up.
  std::array<double, 5> link_pj{};
  for (int l = 0; l < 4; ++l) {
    const ir::MemoryLevelConfig* lo = FindLevel(config, static_cast<ir::MemoryLevel>(l));
    if (lo == nullptr) continue;
    link_pj[l] = lo->read_energy_pj_per_byte();
    for (int up = l + 1; up < 4; ++up) {
      if (const ir::MemoryLevelConfig* hi = FindLevel(config, static_cast<ir::MemoryLevel>(up))) {
        link_pj[l] += hi->write_energy_pj_per_byte();
        break;
      }
    }
  }
  const double mac_pj = static_cast<double>(batch) * m * n * k * cost::MacEnergyPj(config.energy(), dtype);
  auto add_path = [&](std::array<double, 5>& bytes, ir::MemoryLevel from, ir::MemoryLevel to, double b) {
    for (ir::MemoryLevel link : cost::PathLinks(config, from, to)) bytes[link] += b;
  };

  MatmulTiling best;
  double best_cost = std::numeric_limits<double>::infinity();
  uint64_t smallest_l1 = std::numeric_limits<uint64_t>::max();
  const bool os = dataflow == cost::Dataflow::kOutputStationary;
  const bool ws = dataflow == cost::Dataflow::kWeightStationary;
  // Tile sides that fill the array: K parts of R rows in WS and IS, IS's stationary A rows go
  // along the C columns.
  for (int64_t tm : Candidates(m, dataflow == cost::Dataflow::kInputStationary ? cols : rows)) {
    for (int64_t tn : Candidates(n, cols)) {
      for (int64_t tk : Candidates(k, os ? 16 : rows)) {
        const uint64_t l1 = e * (2 * (tm * tk + tk * tn) + (has_bias ? tn : 0) + tm * tn);
        smallest_l1 = std::min(smallest_l1, l1);
        if (l1 > l1_cap) continue;
        KPU_ASSIGN_OR_RETURN(uint64_t array_cycles, TiledArrayCycles(m, n, k, tm, tn, tk, dataflow, array));
        const int64_t ti = CeilDiv(m, tm), tj = CeilDiv(n, tn), k_tiles = CeilDiv(k, tk);
        // Accumulations started, as EstimateOp counts them (a ragged last tile has fewer): per
        // output fold in OS, per column part of B in WS, per row part of A in IS.
        const int64_t fr = os ? std::min(tm, rows) : ws ? tm : std::min(tm, cols);
        const int64_t fc = os || ws ? std::min(tn, cols) : tn;
        const int64_t last_m = m - (ti - 1) * tm, last_n = n - (tj - 1) * tn;
        const uint64_t row_folds = (ti - 1) * CeilDiv(tm, fr) + CeilDiv(last_m, fr);
        const uint64_t col_folds = (tj - 1) * CeilDiv(tn, fc) + CeilDiv(last_n, fc);
        const uint64_t output_tiles = static_cast<uint64_t>(batch) * row_folds * col_folds;
        const uint64_t parallel = std::max<uint64_t>(1, std::min<uint64_t>(tiles, output_tiles));
        const double compute = std::ceil(static_cast<double>(array_cycles) * batch / parallel);
        for (int panels = 0; panels < 4; ++panels) {
          const bool a_panel = staging && (panels & 1);
          const bool b_res = staging && (panels & 2);
          // A B with batches of its own (bmm) changes with the batch: there is no one B to keep.
          if (b_res && b_batched) continue;
          if (!staging && panels) continue;
          const uint64_t stage_bytes = e * ((a_panel ? tm * k : 2 * tm * tk) + (b_res ? k * n : 2 * tk * tn) +
                                            (has_bias ? (b_res ? n : tn) : 0) + tm * tn);
          if (staging && stage_bytes > stage_cap) continue;
          const ir::MemoryLevel a_from = a_panel ? stage : ir::EXTERNAL;
          const ir::MemoryLevel b_from = b_res ? stage : ir::EXTERNAL;
          const double a_bytes = static_cast<double>(batch) * m * k * e;
          const double b_bytes = static_cast<double>(k) * n * e;
          const double c_bytes = static_cast<double>(batch) * m * n * e;
          const double bias_bytes = has_bias ? static_cast<double>(n) * e : 0;
          std::array<double, 5> bytes{};
          if (a_panel) add_path(bytes, ir::EXTERNAL, stage, a_bytes);
          add_path(bytes, a_from, l1_level, a_bytes * tj);
          if (b_res) add_path(bytes, ir::EXTERNAL, stage, b_bytes + bias_bytes);
          add_path(bytes, b_from, l1_level, (b_bytes + bias_bytes) * ti * batch);
          // OS stores from the array; WS and IS sum in L1 and store from there, and move their
          // stationary operand's parts into the array once per tile.
          add_path(bytes, os ? ir::REGISTER : l1_level, ir::EXTERNAL, c_bytes);
          if (ws) add_path(bytes, l1_level, ir::REGISTER, b_bytes * ti * batch);
          if (!os && !ws) add_path(bytes, l1_level, ir::REGISTER, a_bytes * tj);
          // A tile of several folds with K split parks its partial sums in L1 between K tiles.
          if (os && (tm > rows || tn > cols) && k_tiles > 1) {
            add_path(bytes, l1_level, ir::REGISTER, c_bytes * 2 * (k_tiles - 1));
          }
          double busiest = 0, energy = mac_pj;
          for (int l = 0; l < 5; ++l) {
            if (bytes[l] > 0) busiest = std::max(busiest, std::ceil(bytes[l] / link_bpc[l]));
            energy += bytes[l] * link_pj[l];
          }
          // The per-tile overhead that cannot overlap: what must arrive before the first MAC (the
          // resident operands and the first tiles) and the last output tile's way out.
          uint64_t prologue = 0;
          if (b_res) {
            KPU_ASSIGN_OR_RETURN(uint64_t c1, cost::PathCycles(config, ir::EXTERNAL, stage, k * n * e));
            prologue += c1;
            if (has_bias) {
              KPU_ASSIGN_OR_RETURN(uint64_t c2, cost::PathCycles(config, ir::EXTERNAL, stage, n * e));
              prologue += c2;
            }
          }
          if (a_panel) {
            KPU_ASSIGN_OR_RETURN(uint64_t c3, cost::PathCycles(config, ir::EXTERNAL, stage, tm * k * e));
            prologue += c3;
          }
          KPU_ASSIGN_OR_RETURN(uint64_t c4, cost::PathCycles(config, a_from, l1_level, tm * tk * e));
          KPU_ASSIGN_OR_RETURN(uint64_t c5, cost::PathCycles(config, b_from, l1_level, tk * tn * e));
          // The last moves of the kernel: the last tile's way out, or of a tile of several folds, its
          // last fold's (which may lie wholly in padding and move nothing).
          const bool multi = tm > rows || tn > cols;
          uint64_t epilogue = 0;
          if (!os) {
            // The first stationary part goes into the array before the first MAC; the last tile
            // leaves L1.
            const int64_t part = std::min(tk, rows) * (ws ? std::min(tn, cols) : std::min(tm, cols));
            KPU_ASSIGN_OR_RETURN(uint64_t c6, cost::PathCycles(config, l1_level, ir::REGISTER, part * e));
            prologue += c6;
            KPU_ASSIGN_OR_RETURN(epilogue, cost::PathCycles(config, l1_level, ir::EXTERNAL, last_m * last_n * e));
          } else if (!multi) {
            KPU_ASSIGN_OR_RETURN(epilogue, cost::PathCycles(config, ir::REGISTER, ir::EXTERNAL, last_m * last_n * e));
          } else {
            const int64_t lfr = std::clamp<int64_t>(last_m - (CeilDiv(tm, fr) - 1) * fr, 0, fr);
            const int64_t lfc = std::clamp<int64_t>(last_n - (CeilDiv(tn, fc) - 1) * fc, 0, fc);
            if (k_tiles == 1) {
              KPU_ASSIGN_OR_RETURN(epilogue, cost::PathCycles(config, ir::REGISTER, ir::EXTERNAL, lfr * lfc * e));
            } else {
              KPU_ASSIGN_OR_RETURN(epilogue, cost::PathCycles(config, l1_level, ir::EXTERNAL, last_m * last_n * e));
              if (!has_bias) {
                KPU_ASSIGN_OR_RETURN(uint64_t park, cost::PathCycles(config, ir::REGISTER, l1_level, lfr * lfc * e));
                epilogue += park;
              }
            }
          }
          prologue += c4 + c5;
          const double total = std::max(busiest, prologue + compute + static_cast<double>(epilogue));
          energy += cost::StaticEnergyPj(static_cast<uint64_t>(total), config);
          const double dram = bytes[ir::EXTERNAL];
          // Time alone would buy the last cycles of prologue with gigabytes of DRAM re-reads that
          // the array hides; the energy-delay product weighs both.
          const double score = total * energy;
          if (score < best_cost) {
            best_cost = score;
            best = MatmulTiling{tm, tn, tk, a_panel, b_res, l1, stage_bytes, static_cast<uint64_t>(total),
                                static_cast<uint64_t>(dram), energy};
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
