#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(NormOps, BatchNormChecksStatistics) {
  auto c = F32({4});
  EXPECT_EQ(*NodeBuilder("batch_norm").InferShape({F32({2, 4, 3, 3}), c, c, c, c}), (Shape{2, 4, 3, 3}));
  EXPECT_THAT(NodeBuilder("batch_norm").Infer({F32({2, 4, 3, 3}), c, c, F32({3}), c}).status().message(),
              HasSubstr("running_mean shape mismatch"));
}

}  // namespace
}  // namespace kpu::ops::testing
