#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

TEST(NormKernels, BatchNormEvalMode) {
  F32Tensor x = F32Tensor::Wave({2, 3, 2, 2}, 0.1f, 2), w({3}, {1, 2, 0.5f}), b({3}, {0, 1, -1}),
            mean({3}, {0.1f, -0.2f, 0.3f}), var({3}, {1, 0.25f, 4}), y(x.shape);
  ASSERT_TRUE(RunOp("batch_norm", Attrs().Float("epsilon", 1e-3), {&x, &w, &b, &mean, &var}, {&y}).ok());
  std::vector<float> want;
  for (size_t i = 0; i < x.data.size(); ++i) {
    const size_t c = (i / 4) % 3;
    want.push_back(static_cast<float>((x.data[i] - mean.data[c]) / std::sqrt(var.data[c] + 1e-3) * w.data[c] + b.data[c]));
  }
  ExpectNear(y.data, want, 1e-5);
}

}  // namespace
}  // namespace kpu::runtime::testing
