// Decision 1: every op in the registry is known to every layer, for every dtype its OpDef lists.
// When you add an op, this test lists each place that still has to learn it. (The torch lowering
// table is checked by bindings/python/tests/test_registry_coverage.py.)
//
// Layers arrive at different times, so ops registered before their compiler lowering or cost row
// exist are listed in the allow-lists below. The lists may only shrink: an op listed there that
// has gained the facet fails the test until its entry is removed.
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "kpu/compiler/lowering.h"
#include "kpu/ir/dtype.h"
#include "kpu/ir/op_registry.h"
#include "kpu/runtime/kernels.h"
#include "kpu/cost/compute_cost.h"

namespace kpu {
namespace {

// Known gap: registry ops without a DFX lowering in kpu/compiler yet (none left).
const std::set<std::string> kAwaitingLowering = {};

// Known gap: registry ops without a cost function yet.
const std::set<std::string> kAwaitingCost = kAwaitingLowering;

bool Lowered(const std::string& op) {
  return compiler::Lowerings().count(op) || compiler::Decompositions().count(op);
}

TEST(OpCoverage, EveryRegistryOpHasAFastKernelForEachOfItsDtypes) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    for (ir::DataType dtype : OpRegistry::Global().Find(op)->dtypes) {
      auto kernel = runtime::FindKernel(op, dtype);
      EXPECT_TRUE(kernel.ok()) << "op '" << op << "' lists dtype " << DTypeName(dtype)
                               << " but kpu/runtime/kernels/ has no kernel for it: " << kernel.status().message();
    }
  }
}

TEST(OpCoverage, EveryRegistryOpHasLoweringAndCost) {
  for (const std::string& op : OpRegistry::Global().Names()) {
    if (kAwaitingLowering.count(op)) {
      EXPECT_FALSE(Lowered(op)) << "op '" << op << "' has a lowering now: remove it from kAwaitingLowering";
    } else {
      EXPECT_TRUE(Lowered(op)) << "op '" << op << "' has no DFX lowering in kpu/compiler "
                               << "(nor a decomposition listed in Decompositions())";
    }
    if (kAwaitingCost.count(op)) {
      EXPECT_FALSE(cost::ComputeCosts().count(op)) << "op '" << op << "' has a cost now: remove it from kAwaitingCost";
    } else {
      EXPECT_TRUE(cost::ComputeCosts().count(op)) << "op '" << op << "' has no cost row in kpu/cost/ops/";
    }
  }
}

TEST(OpCoverage, AllowListsNameOnlyRegistryOps) {
  for (const auto* list : {&kAwaitingLowering, &kAwaitingCost}) {
    for (const std::string& op : *list) EXPECT_NE(OpRegistry::Global().Find(op), nullptr) << op;
  }
}

TEST(OpCoverage, NoLayerKnowsAnOpTheRegistryDoesNot) {
  const OpRegistry& r = OpRegistry::Global();
  for (const auto& [op, fn] : compiler::Lowerings()) EXPECT_NE(r.Find(op), nullptr) << "lowering for unknown op " << op;
  for (const auto& op : compiler::Decompositions()) EXPECT_NE(r.Find(op), nullptr) << "decomposition of unknown op " << op;
  for (const auto& [op, by_dtype] : runtime::Kernels()) EXPECT_NE(r.Find(op), nullptr) << "kernel for unknown op " << op;
  for (const auto& [op, fn] : cost::ComputeCosts()) EXPECT_NE(r.Find(op), nullptr) << "cost for unknown op " << op;
}

}  // namespace
}  // namespace kpu
