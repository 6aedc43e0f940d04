#include "kpu/cost/settings.h"

#include "absl/strings/str_cat.h"

namespace kpu::cost {

CostSettings CostSettings::Native() { return CostSettings{}; }

CostSettings CostSettings::ScaleSim() {
  CostSettings s;
  s.name = "scalesim";
  s.element_bytes = 1;
  s.count_from_zero = true;
  s.no_padding = true;
  return s;
}

absl::StatusOr<CostSettings> SettingsByName(const std::string& name) {
  if (name == "native") return CostSettings::Native();
  if (name == "scalesim") return CostSettings::ScaleSim();
  return absl::InvalidArgumentError(absl::StrCat("unknown cost setting '", name, "' (expected native or scalesim)"));
}

absl::StatusOr<uint64_t> LayerComputeCycles(const GroupedGemm& layer, Dataflow dataflow, const ArrayShape& array,
                                            const CostSettings& settings) {
  absl::StatusOr<uint64_t> one = GemmComputeCycles(layer.gemm, dataflow, array);
  if (!one.ok()) return one.status();
  if (layer.count <= 0) return absl::InvalidArgumentError(absl::StrCat("a layer needs at least one GEMM, got ", layer.count));
  absl::StatusOr<uint64_t> all = CheckedMul(*one, static_cast<uint64_t>(layer.count));
  if (!all.ok()) return all.status();
  return settings.count_from_zero ? *all - 1 : *all;
}

}  // namespace kpu::cost
