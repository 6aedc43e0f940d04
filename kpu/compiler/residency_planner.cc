#include "kpu/compiler/residency_planner.h"

#include <algorithm>
#include <tuple>

#include "kpu/ir/dtype.h"

#include "kpu/compiler/memory_planner.h"

namespace kpu::compiler {
namespace {

struct Placed {
  const ResidencyCandidate* c;
  uint64_t offset, size;
};

bool Overlap(const ResidencyCandidate& a, const ResidencyCandidate& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

// The aligned size, or 0 when it does not fit 64 bits (such a tensor never fits on chip).
uint64_t AlignedSize(uint64_t bytes) {
  if (bytes > UINT64_MAX - kArenaAlignment) return 0;
  return (bytes + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// First-fit offset of `c` among the homes of one level whose lifetimes overlap its own, if every
// step of its lifetime stays within the level's capacity with it there.
bool TryPlace(const ResidencyCandidate& c, uint64_t size, const HomeLevel& level, const std::vector<Placed>& placed,
              uint64_t* offset) {
  std::vector<const Placed*> live;
  std::vector<std::pair<uint64_t, uint64_t>> busy;
  for (const Placed& p : placed) {
    if (!Overlap(*p.c, c)) continue;
    live.push_back(&p);
    busy.push_back({p.offset, p.offset + p.size});
  }
  std::sort(busy.begin(), busy.end());
  uint64_t at = 0;
  for (const auto& [lo, hi] : busy) {
    if (at + size <= lo) break;
    at = std::max(at, hi);
  }
  if (at > level.capacity || size > level.capacity - at) return false;
  for (int s = std::max(c.first_use, 0); s <= c.last_use; ++s) {
    uint64_t end = at + size;
    for (const Placed* p : live) {
      if (p->c->first_use <= s && s <= p->c->last_use) end = std::max(end, p->offset + p->size);
    }
    const uint64_t reserved = static_cast<size_t>(s) < level.reserved.size() ? level.reserved[s] : 0;
    if (reserved > level.capacity || end > level.capacity - reserved) return false;
  }
  *offset = at;
  return true;
}

using BufferKey = std::tuple<ir::MemoryLevel, std::string, uint32_t>;

void CollectBuffers(const google::protobuf::RepeatedPtrField<ir::DfxOp>& ops,
                    const std::map<std::string, TensorType>& types, ir::MemoryLevel l1,
                    std::map<BufferKey, uint64_t>* buffers) {
  auto note = [&](const ir::TensorRegion& r) {
    if (r.level() == ir::EXTERNAL || r.level() == ir::REGISTER || r.level() == l1) return;
    auto t = types.find(r.tensor());
    if (t == types.end()) return;
    uint64_t bytes = DTypeSize(r.dtype() == ir::DTYPE_UNSPECIFIED ? t->second.dtype : r.dtype());
    for (const ir::RegionDim& d : r.dims()) bytes *= static_cast<uint64_t>(std::max<int64_t>(d.extent(), 0));
    const uint32_t slots = r.slot_var().empty() ? 1 : std::max<uint32_t>(r.slot_count(), 1);
    for (uint32_t s = 0; s < slots; ++s) {
      uint64_t& b = (*buffers)[{r.level(), r.tensor(), r.slot() + s}];
      b = std::max(b, bytes);
    }
  };
  for (const ir::DfxOp& op : ops) {
    if (op.has_tile_loop()) CollectBuffers(op.tile_loop().body(), types, l1, buffers);
    if (op.has_data_move()) note(op.data_move().destination());
    if (op.has_compute()) note(op.compute().output());
  }
}

}  // namespace

uint64_t StagedTileBytes(const ir::KPUOp& op, const std::map<std::string, TensorType>& types, ir::MemoryLevel l1) {
  std::map<BufferKey, uint64_t> buffers;
  CollectBuffers(op.dfx(), types, l1, &buffers);
  std::map<ir::MemoryLevel, uint64_t> per_level;
  for (const auto& [key, bytes] : buffers) per_level[std::get<0>(key)] += bytes;
  uint64_t most = 0;
  for (const auto& [level, bytes] : per_level) most = std::max(most, bytes);
  return most;
}

std::map<std::string, Home> PlanResidency(const std::vector<ResidencyCandidate>& candidates,
                                          const std::vector<HomeLevel>& levels) {
  std::vector<const ResidencyCandidate*> order;
  for (const ResidencyCandidate& c : candidates) {
    if (c.bytes > 0 && c.first_use <= c.last_use) order.push_back(&c);
  }
  // Largest first: each byte kept on chip saves its write and its reads in DRAM, and the large
  // ones are the hardest to fit later.
  std::stable_sort(order.begin(), order.end(),
                   [](const ResidencyCandidate* a, const ResidencyCandidate* b) { return a->bytes > b->bytes; });
  std::vector<std::vector<Placed>> placed(levels.size());
  std::map<std::string, Home> homes;
  for (const ResidencyCandidate* c : order) {
    const uint64_t size = AlignedSize(c->bytes);
    if (size == 0) continue;
    for (size_t l = 0; l < levels.size(); ++l) {
      uint64_t offset = 0;
      if (!TryPlace(*c, size, levels[l], placed[l], &offset)) continue;
      placed[l].push_back({c, offset, size});
      homes[c->name] = {levels[l].level, offset};
      break;
    }
  }
  return homes;
}

}  // namespace kpu::compiler
