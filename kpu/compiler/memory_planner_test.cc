#include "kpu/compiler/memory_planner.h"

#include <climits>

#include "gtest/gtest.h"

namespace kpu::compiler {
namespace {

bool Overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs) { return a < b + bs && b < a + as; }

TEST(MemoryPlanner, ReusesSpaceOfDeadTensorsAndNeverOverlapsLiveOnes) {
  std::vector<BufferRequest> r = {
      {"x", 1000, -1, 0}, {"h1", 512, 0, 1}, {"h2", 256, 1, 2}, {"h3", 512, 2, 3}, {"y", 40, 3, INT_MAX},
  };
  ArenaPlan plan = PlanArena(r);
  uint64_t total = 0;
  for (const auto& b : r) total += (b.bytes + 63) / 64 * 64;
  EXPECT_LT(plan.arena_bytes, total);  // something was reused
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(plan.offsets[r[i].name] % kArenaAlignment, 0u);
    for (size_t j = i + 1; j < r.size(); ++j) {
      const bool live_together = r[i].first_use <= r[j].last_use && r[j].first_use <= r[i].last_use;
      if (live_together) {
        EXPECT_FALSE(Overlap(plan.offsets[r[i].name], r[i].bytes, plan.offsets[r[j].name], r[j].bytes))
            << r[i].name << " and " << r[j].name;
      }
    }
  }
}

}  // namespace
}  // namespace kpu::compiler
