#include "kpu/compiler/memory_planner.h"

#include <algorithm>

namespace kpu::compiler {

std::string AliasRoot(const std::map<std::string, std::string>& aliases, const std::string& name) {
  std::string root = name;
  // Bounded by the number of aliases, so a (malformed) cycle cannot loop forever.
  for (size_t hops = 0; hops <= aliases.size(); ++hops) {
    auto it = aliases.find(root);
    if (it == aliases.end()) break;
    root = it->second;
  }
  return root;
}

ArenaPlan PlanArena(const std::vector<BufferRequest>& all_requests, const std::map<std::string, std::string>& aliases) {
  // Aliases extend their root's lifetime and take no space.
  std::vector<BufferRequest> requests;
  std::map<std::string, size_t> index;
  for (const BufferRequest& r : all_requests) {
    if (aliases.count(r.name)) continue;
    index[r.name] = requests.size();
    requests.push_back(r);
  }
  for (const BufferRequest& r : all_requests) {
    if (!aliases.count(r.name)) continue;
    auto it = index.find(AliasRoot(aliases, r.name));
    if (it == index.end()) continue;
    BufferRequest& root = requests[it->second];
    root.first_use = std::min(root.first_use, r.first_use);
    root.last_use = std::max(root.last_use, r.last_use);
  }
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
  for (const BufferRequest& r : all_requests) {
    if (!aliases.count(r.name)) continue;
    auto it = plan.offsets.find(AliasRoot(aliases, r.name));
    if (it != plan.offsets.end()) plan.offsets[r.name] = it->second;
  }
  return plan;
}

}  // namespace kpu::compiler
