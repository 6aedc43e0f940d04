// Decision 1: every op in the registry is known to every layer. When you add an op, this test
// lists each place that still has to learn it. (The torch lowering table is checked by
// bindings/python/tests/test_registry_coverage.py.)
#include "gtest/gtest.h"
#include "kpu/compiler/lowering.h"
#include "kpu/ir/op_registry.h"
#include "kpu/runtime/kernels.h"
#include "kpu/cost/compute_cost.h"

namespace kpu {
namespace {

TEST(OpCoverage, EveryRegistryOpHasLoweringKernelAndCost) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    const bool lowered = compiler::Lowerings().count(op) || compiler::Decompositions().count(op);
    EXPECT_TRUE(lowered) << "op '" << op << "' has no DFX lowering in kpu/compiler/lowering.cc "
                         << "(nor a decomposition listed in Decompositions())";
    EXPECT_TRUE(runtime::Kernels().count(op)) << "op '" << op << "' has no kernel in kpu/runtime/kernels.cc";
    EXPECT_TRUE(cost::ComputeCosts().count(op)) << "op '" << op << "' has no cost row in kpu/cost/ops/";
  }
}

TEST(OpCoverage, NoLayerKnowsAnOpTheRegistryDoesNot) {
  const OpRegistry& r = OpRegistry::Global();
  for (const auto& [op, fn] : compiler::Lowerings()) EXPECT_NE(r.Find(op), nullptr) << "lowering for unknown op " << op;
  for (const auto& op : compiler::Decompositions()) EXPECT_NE(r.Find(op), nullptr) << "decomposition of unknown op " << op;
  for (const auto& [op, fn] : runtime::Kernels()) EXPECT_NE(r.Find(op), nullptr) << "kernel for unknown op " << op;
  for (const auto& [op, fn] : cost::ComputeCosts()) EXPECT_NE(r.Find(op), nullptr) << "cost for unknown op " << op;
}

}  // namespace
}  // namespace kpu
