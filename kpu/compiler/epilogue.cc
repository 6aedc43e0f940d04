#include "kpu/compiler/epilogue.h"

#include "absl/strings/str_cat.h"
#include "kpu/ir/errors.h"

namespace kpu::compiler {

absl::StatusOr<std::pair<std::string, AttrMap>> EpilogueActivation(const std::string& activation) {
  AttrMap attrs;
  if (activation == "relu6") {
    attrs["min_val"].set_f(0.0);
    attrs["max_val"].set_f(6.0);
    return std::make_pair(std::string("hardtanh"), attrs);
  }
  if (activation == "relu" || activation == "silu" || activation == "hardswish" || activation == "sigmoid") {
    return std::make_pair(activation, attrs);
  }
  return CompilationError(absl::StrCat("epilogue activation '", activation, "' has no DFX lowering"));
}

}  // namespace kpu::compiler
