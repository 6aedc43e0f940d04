#include "kpu/compiler/lowering.h"

namespace kpu::compiler {

const std::map<std::string, LowerFn>& Lowerings() {
  static const auto* table = new std::map<std::string, LowerFn>{
      {"matmul", LowerMatmul},
      {"add", LowerElementwise},
      {"relu", LowerElementwise},
      {"softmax", LowerSoftmax},
      // Elementwise ops: every Compute carries the node's attributes.
      {"sub", LowerElementwise},
      {"mul", LowerElementwise},
      {"div", LowerElementwise},
      {"sigmoid", LowerElementwise},
      {"tanh", LowerElementwise},
      {"silu", LowerElementwise},
      {"hardswish", LowerElementwise},
      {"hardsigmoid", LowerElementwise},
      {"hardtanh", LowerElementwise},
      {"leaky_relu", LowerElementwise},
      {"gelu", LowerElementwise},
      {"clamp", LowerElementwise},
      {"log_softmax", LowerSoftmax},
  };
  return *table;
}

const std::set<std::string>& Decompositions() {
  static const auto* ops = new std::set<std::string>{"linear"};
  return *ops;
}

}  // namespace kpu::compiler
