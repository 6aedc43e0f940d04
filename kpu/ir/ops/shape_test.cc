#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/ops/op_test_util.h"

namespace kpu::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(ShapeOps, Reshape) {
  auto a = NodeBuilder("reshape").Ints("shape", {2, -1}).InferShape({F32({2, 3, 4})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{2, 12}));
  EXPECT_THAT(NodeBuilder("reshape").Ints("shape", {5, 5}).Infer({F32({2, 3, 4})}).status().message(),
              HasSubstr("cannot reshape (2,3,4) (24 elements) into (5,5) (25 elements)"));
  EXPECT_THAT(NodeBuilder("reshape").Ints("shape", {-1, -1}).Infer({F32({4})}).status().message(),
              HasSubstr("more than one -1"));
  EXPECT_THAT(NodeBuilder("reshape").Ints("shape", {int64_t{1} << 62, 4}).Infer({F32({4})}).status().message(),
              HasSubstr("overflows"));
}

TEST(ShapeOps, Permute) {
  auto a = NodeBuilder("permute").Ints("perm", {0, 2, 3, 1}).InferShape({F32({1, 2, 3, 4})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{1, 3, 4, 2}));
  EXPECT_THAT(NodeBuilder("permute").Ints("perm", {0, 0}).Infer({F32({1, 2})}).status().message(), HasSubstr("repeats"));
  EXPECT_THAT(NodeBuilder("permute").Ints("perm", {0, 2}).Infer({F32({1, 2})}).status().message(),
              HasSubstr("axis 2 is out of range"));
}

TEST(ShapeOps, Concat) {
  auto a = NodeBuilder("concat").Int("axis", 1).InferShape({F32({1, 2, 4}), F32({1, 3, 4}), F32({1, 1, 4})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{1, 6, 4}));
  EXPECT_THAT(NodeBuilder("concat").Int("axis", 1).Infer({F32({1, 2, 4}), F32({1, 3, 5})}).status().message(),
              HasSubstr("Concat input 1 (all dims but axis 1 must match) shape mismatch: expected (1,3,4), got (1,3,5)"));
  EXPECT_THAT(NodeBuilder("concat").Int("axis", 3).Infer({F32({1, 2, 4})}).status().message(),
              HasSubstr("out of range"));
}

TEST(ShapeOps, Split) {
  auto a = NodeBuilder("split", 3).Int("axis", -1).Ints("sizes", {1, 2, 3}).Infer({F32({4, 6})});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[2].shape, (Shape{4, 3}));
  EXPECT_THAT(NodeBuilder("split", 2).Ints("sizes", {1, 2}).Infer({F32({4, 6})}).status().message(),
              HasSubstr("sizes (1,2) sum to 3, but axis 0 of (4,6) has 4"));
  EXPECT_THAT(NodeBuilder("split", 2).Ints("sizes", {1, 2, 1}).Infer({F32({4, 6})}).status().message(),
              HasSubstr("has 3 output(s), got 2"));
}

TEST(ShapeOps, SliceClampsLikePython) {
  auto s = [](int64_t start, int64_t end, int64_t step) {
    return NodeBuilder("slice").Int("axis", 1).Int("start", start).Int("end", end).Int("step", step)
        .InferShape({F32({2, 10})});
  };
  EXPECT_EQ(*s(2, 7, 1), (Shape{2, 5}));
  EXPECT_EQ(*s(-3, 100, 1), (Shape{2, 3}));   // x[:, -3:100]
  EXPECT_EQ(*s(1, -1, 3), (Shape{2, 3}));     // 1, 4, 7
  EXPECT_EQ(*s(8, 2, 1), (Shape{2, 0}));
  EXPECT_EQ(*s(-100, 3, 2), (Shape{2, 2}));   // 0, 2
  EXPECT_FALSE(s(0, 3, 0).ok());
}

TEST(ShapeOps, Pad) {
  auto a = NodeBuilder("pad").Ints("pads", {0, 0, 1, 2, 0, 0, 3, 4}).InferShape({F32({1, 1, 5, 5})});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Shape{1, 1, 9, 11}));
  EXPECT_THAT(NodeBuilder("pad").Ints("pads", {1, 1}).Infer({F32({1, 1, 5, 5})}).status().message(),
              HasSubstr("needs 8 values"));
}

}  // namespace
}  // namespace kpu::ops::testing
