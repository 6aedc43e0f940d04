#include "kpu/ir/dtype.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/program.pb.h"

namespace kpu {
namespace {

TEST(DType, BytesForPacksInt4TwoPerByte) {
  EXPECT_EQ(*BytesFor(ir::INT4, 0), 0u);
  EXPECT_EQ(*BytesFor(ir::INT4, 1), 1u);
  EXPECT_EQ(*BytesFor(ir::INT4, 7), 4u);
  EXPECT_EQ(*BytesFor(ir::INT4, 8), 4u);
  EXPECT_EQ(DTypeBits(ir::INT4), 4);
  EXPECT_EQ(DTypeSize(ir::INT4), 0u) << "no whole-byte size: callers must use BytesFor";
  EXPECT_EQ(DTypeName(ir::INT4), "int4");
  EXPECT_EQ(*ParseDType("int4"), ir::INT4);
}

TEST(DType, BytesForWholeByteTypes) {
  EXPECT_EQ(*BytesFor(ir::FLOAT32, 10), 40u);
  EXPECT_EQ(*BytesFor(ir::BFLOAT16, 3), 6u);
  EXPECT_EQ(*BytesFor(ir::INT64, 2), 16u);
  EXPECT_EQ(*BytesFor(ir::UINT8, 5), 5u);
}

TEST(DType, BytesForRejectsOverflowAndNonsense) {
  EXPECT_THAT(std::string(BytesFor(ir::FLOAT32, int64_t{1} << 62).status().message()),
              ::testing::HasSubstr("larger than 2^63 bytes"));
  EXPECT_TRUE(BytesFor(ir::INT8, int64_t{1} << 62).ok());
  EXPECT_FALSE(BytesFor(ir::FLOAT32, -1).ok());
  EXPECT_FALSE(BytesFor(ir::DTYPE_UNSPECIFIED, 4).ok());
}

TEST(QuantParams, TravelWithTensorsAndDescriptors) {
  ir::Tensor t;
  t.mutable_quant()->add_scales(0.5f);
  t.mutable_quant()->add_scales(0.25f);
  t.mutable_quant()->add_zero_points(3);
  t.mutable_quant()->add_zero_points(-1);
  t.mutable_quant()->set_axis(1);
  ir::TensorDescriptor d;
  *d.mutable_quant() = t.quant();
  ir::TensorDescriptor back;
  ASSERT_TRUE(back.ParseFromString(d.SerializeAsString()));
  EXPECT_EQ(back.quant().scales_size(), 2);
  EXPECT_EQ(back.quant().zero_points(1), -1);
  EXPECT_EQ(back.quant().axis(), 1);
}

}  // namespace
}  // namespace kpu
