#include "kpu/compiler/lowering.h"

namespace kpu::compiler {

const std::map<std::string, LowerFn>& Lowerings() {
  static const auto* table = new std::map<std::string, LowerFn>{
      {"matmul", LowerMatmul},
      {"conv2d", LowerConv2d},
      {"add", LowerElementwise},
      {"relu", LowerElementwise},
      {"softmax", LowerSoftmax},
      // Elementwise ops; a Compute carries the op's attributes (hardtanh's bounds, gelu's form).
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
      // Data layout: reshape is an alias (no DFX); the others copy box tiles (lower_shape.cc).
      {"reshape", LowerReshape},
      {"permute", LowerPermute},
      {"concat", LowerConcat},
      {"split", LowerSplit},
      {"slice", LowerSlice},
      {"pad", LowerPad},
      // Reductions with the reduced axes whole in a tile (lower_reduce.cc); standalone batch_norm (lower_norm.cc).
      {"mean", LowerReduce},
      {"sum", LowerReduce},
      {"amax", LowerReduce},
      {"batch_norm", LowerBatchNorm},
      // Pools (lower_pool.cc), resizes (lower_resize.cc), conv_transpose2d (lower_conv_transpose.cc).
      {"max_pool2d", LowerPool2d},
      {"avg_pool2d", LowerPool2d},
      {"adaptive_avg_pool2d", LowerAdaptivePool2d},
      {"adaptive_max_pool2d", LowerAdaptivePool2d},
      {"upsample_nearest2d", LowerUpsample2d},
      {"upsample_bilinear2d", LowerUpsample2d},
      {"conv_transpose2d", LowerConvTranspose2d},
  };
  return *table;
}

const std::set<std::string>& Decompositions() {
  static const auto* ops = new std::set<std::string>{"linear"};
  return *ops;
}

}  // namespace kpu::compiler
