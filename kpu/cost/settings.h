// How the cost model counts: natively, or as SCALE-Sim 3.0 does so its reports can be compared.
#ifndef KPU_COST_SETTINGS_H_
#define KPU_COST_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"

namespace kpu::cost {

struct CostSettings {
  std::string name = "native";
  // Every element moved counts this many bytes; 0 keeps each tensor's dtype size. SCALE-Sim
  // counts 1-byte words.
  size_t element_bytes = 0;
  // Per-layer compute cycles as SCALE-Sim reports them: numbered from cycle 0, one less.
  bool count_from_zero = false;
  // Padding adds no work (SCALE-Sim's topologies give the padded input size instead).
  bool no_padding = false;

  static CostSettings Native();
  // SCALE-Sim 3.0's assumptions: 1-byte words, no padding, its OS (M,N,K) / WS (K,N,M) /
  // IS (K,M,N) mapping (the only one array.h has), and its cycle numbering.
  static CostSettings ScaleSim();
};

// "native" or "scalesim".
absl::StatusOr<CostSettings> SettingsByName(const std::string& name);

// Compute cycles of a layer made of `gemm.count` GEMMs run one after the other on one array, as
// the settings count them. In the ScaleSim setting this equals SCALE-Sim's `Total Cycles`.
absl::StatusOr<uint64_t> LayerComputeCycles(const GroupedGemm& layer, Dataflow dataflow, const ArrayShape& array,
                                            const CostSettings& settings);

}  // namespace kpu::cost

#endif  // KPU_COST_SETTINGS_H_
