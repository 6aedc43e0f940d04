#include "kpu/compiler/lowering.h"

namespace kpu::compiler {

const std::map<std::string, LowerFn>& Lowerings() {
  static const auto* table = new std::map<std::string, LowerFn>{
      {"matmul", LowerMatmul},
      {"add", LowerElementwise},
      {"relu", LowerElementwise},
      {"softmax", LowerSoftmax},
  };
  return *table;
}

const std::set<std::string>& Decompositions() {
  static const auto* ops = new std::set<std::string>{"linear"};
  return *ops;
}

}  // namespace kpu::compiler
