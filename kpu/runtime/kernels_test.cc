// The kernel table itself: lookup by (op, dtype), the errors of a missing entry, and the checks
// RunKernel makes before it calls a kernel.
#include "kpu/runtime/kernels.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/op_registry.h"

namespace kpu::runtime {
namespace {

TEST(KernelTable, EveryKernelIsForARegistryOp) {
  for (const auto& [op, by_dtype] : Kernels()) {
    EXPECT_NE(OpRegistry::Global().Find(op), nullptr) << op;
    EXPECT_FALSE(by_dtype.empty()) << op;
  }
}

TEST(KernelTable, MissingDtypeOrOpIsNamed) {
  auto k = FindKernel("conv2d", ir::FLOAT16);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message(), "Type float16 is currently not supported by conv2d");
  EXPECT_EQ(KindOf(k.status()), ErrorKind::kUnimplemented);
  auto u = FindKernel("instance_norm", ir::FLOAT32);
  EXPECT_EQ(u.status().message(), "Unsupported operators: instance_norm");
  EXPECT_TRUE(FindKernel("relu", ir::FLOAT32).ok());
}

TEST(KernelTable, RunKernelChecksViews) {
  AttrMap attrs;
  std::vector<float> x(4), y(4);
  EXPECT_THAT(std::string(RunKernel("relu", {attrs, {{ir::FLOAT32, {4}, nullptr}}, {{ir::FLOAT32, {4}, y.data()}}}).message()),
              ::testing::HasSubstr("input 0 has no data"));
  EXPECT_THAT(std::string(RunKernel("relu", {attrs, {{ir::FLOAT32, {-1, 4}, x.data()}}, {{ir::FLOAT32, {4}, y.data()}}}).message()),
              ::testing::HasSubstr("bad shape"));
  EXPECT_TRUE(RunKernel("relu", {attrs, {{ir::FLOAT32, {4}, x.data()}}, {{ir::FLOAT32, {4}, y.data()}}}).ok());
}

// A kernel reads and writes every operand in its one dtype: a buffer of another dtype has another
// element size, and the kernel would run past it.
TEST(KernelTable, RunKernelRefusesOperandsOfAnotherDtype) {
  AttrMap attrs;
  std::vector<float> x(4), y(4);
  EXPECT_EQ(RunKernel("relu", {attrs, {{ir::FLOAT32, {4}, x.data()}}, {{ir::FLOAT16, {4}, y.data()}}}).message(),
            "relu kernel: output 0 is float16, its inputs are float32");
  EXPECT_EQ(RunKernel("add", {attrs, {{ir::FLOAT32, {4}, x.data()}, {ir::INT8, {4}, y.data()}},
                              {{ir::FLOAT32, {4}, y.data()}}})
                .message(),
            "add kernel: input 1 is int8, input 0 is float32");
}

}  // namespace
}  // namespace kpu::runtime
