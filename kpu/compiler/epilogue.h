// The fused activation of a matmul or conv2d epilogue as the ELEMENTWISE compute that runs it.
#ifndef KPU_COMPILER_EPILOGUE_H_
#define KPU_COMPILER_EPILOGUE_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "kpu/ir/graph_util.h"

namespace kpu::compiler {

// The registry op and attributes of an epilogue activation ("relu6" is hardtanh(0, 6)); an error
// for one the DFX cannot run.
absl::StatusOr<std::pair<std::string, AttrMap>> EpilogueActivation(const std::string& activation);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_EPILOGUE_H_
