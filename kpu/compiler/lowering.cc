#include "kpu/compiler/lowering.h"

namespace kpu::compiler {

const std::map<std::string, LowerFn>& Lowerings() {
  static const auto* table = new std::map<std::string, LowerFn>{
      {"matmul", LowerMatmul},
      {"add", LowerElementwise},
      {"relu", LowerElementwise},
      {"softmax", LowerSoftmax},
      // Attribute-free elementwise ops: a tile kernel needs nothing beyond its tiles. (Ops with
      // attributes, e.g. hardtanh or gelu, wait for Compute attributes in the DFX.)
      {"sub", LowerElementwise},
      {"mul", LowerElementwise},
      {"div", LowerElementwise},
      {"sigmoid", LowerElementwise},
      {"tanh", LowerElementwise},
      {"silu", LowerElementwise},
      {"hardswish", LowerElementwise},
      {"hardsigmoid", LowerElementwise},
      {"log_softmax", LowerSoftmax},
  };
  return *table;
}

const std::set<std::string>& Decompositions() {
  static const auto* ops = new std::set<std::string>{"linear"};
  return *ops;
}

}  // namespace kpu::compiler
