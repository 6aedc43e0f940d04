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

TEST(MemoryPlanner, AnAliasSharesItsRootsBytesAndKeepsItLive) {
  // x -> h (step 0); r = reshape(h) aliases h and is read at step 3; r2 = reshape(r) is an output.
  std::vector<BufferRequest> r = {
      {"x", 256, -1, 0}, {"h", 256, 0, 1}, {"r", 256, 1, 3}, {"a", 256, 1, 2}, {"b", 256, 2, 3},
      {"r2", 256, 1, INT_MAX},
  };
  std::map<std::string, std::string> aliases = {{"r", "h"}, {"r2", "r"}};
  ArenaPlan plan = PlanArena(r, aliases);
  EXPECT_EQ(AliasRoot(aliases, "r2"), "h");
  EXPECT_EQ(plan.offsets["r"], plan.offsets["h"]);
  EXPECT_EQ(plan.offsets["r2"], plan.offsets["h"]);
  // h lives to the end through r2, so nothing else may sit on it.
  for (const char* other : {"a", "b"}) EXPECT_NE(plan.offsets[other], plan.offsets["h"]) << other;
  // The aliases add no bytes: four real buffers at most, x's space reused.
  EXPECT_LE(plan.arena_bytes, 4u * 256);
}

}  // namespace
}  // namespace kpu::compiler
