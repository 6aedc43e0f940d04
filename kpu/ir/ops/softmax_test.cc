#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(SoftmaxOps, AnyAxis) {
  EXPECT_EQ(*NodeBuilder("log_softmax").Int("axis", 0).InferShape({F32({2, 3})}), (Shape{2, 3}));
  EXPECT_THAT(NodeBuilder("softmax").Int("axis", -3).Infer({F32({2, 3})}).status().message(),
              HasSubstr("axis -3 is out of range for a tensor of rank 2"));
}

}  // namespace
}  // namespace kpu::ops::testing
