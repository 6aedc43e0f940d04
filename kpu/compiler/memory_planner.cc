#include "kpu/compiler/memory_planner.h"

#include <algorithm>

namespace kpu::compiler {

ArenaPlan PlanArena(const std::vector<BufferRequest>& requests) {
  // Largest first, each at the lowest offset that overlaps no live buffer (greedy first fit).
  std::vector<const BufferRequest*> order;
  for (const auto& r : requests) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const BufferRequest* a, const BufferRequest* b) { return a->bytes > b->bytes; });
  struct Placed {
    const BufferRequest* req;
    uint64_t offset;
  };
  std::vector<Placed> placed;
  ArenaPlan plan;
  for (const BufferRequest* r : order) {
    const uint64_t size = (r->bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const Placed& p : placed) {
      const bool overlap = p.req->first_use <= r->last_use && r->first_use <= p.req->last_use;
      if (overlap) {
        busy.push_back({p.offset, p.offset + (p.req->bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment});
      }
    }
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0;
    for (const auto& [lo, hi] : busy) {
      if (offset + size <= lo) break;
      offset = std::max(offset, hi);
    }
    placed.push_back({r, offset});
    plan.offsets[r->name] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
  }
  return plan;
}

}  // namespace kpu::compiler
