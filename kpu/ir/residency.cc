#include "kpu/ir/residency.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "kpu/ir/dtype.h"

namespace kpu {
namespace {

// Saturating, so a malformed program cannot wrap a sum (the validator bounds real ones).
uint64_t SatAdd(uint64_t a, uint64_t b) {
  uint64_t s;
  return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

uint64_t TensorBytesOf(const ir::TensorDescriptor& t) {
  uint64_t bytes = DTypeSize(t.dtype());
  for (int64_t d : t.shape()) {
    if (d < 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) return UINT64_MAX;
  }
  return bytes;
}

bool ValidLevel(ir::MemoryLevel l) { return l > ir::EXTERNAL && l < ir::REGISTER; }

}  // namespace

std::vector<LevelBytes> HomeBytesPerOp(const ir::KPUProgram& program) {
  const auto& ops = program.operations().ops();
  // The span of ops naming each tensor.
  std::map<std::string, std::pair<int, int>> span;
  for (int i = 0; i < ops.size(); ++i) {
    auto touch = [&](const std::string& name) {
      auto [it, fresh] = span.try_emplace(name, i, i);
      if (!fresh) it->second.second = i;
    };
    for (const std::string& t : ops[i].inputs()) touch(t);
    for (const std::string& t : ops[i].outputs()) touch(t);
  }
  // A sweep over the ops per level: homes enter at their first op and leave after their last, and
  // the highest end among those present is the level's occupancy. O((ops + homes) log homes), so
  // a hostile file with many long-lived homes costs no more than its size.
  struct Event {
    int op;
    bool enter;
    uint64_t end;
  };
  std::map<ir::MemoryLevel, std::vector<Event>> events;
  for (const ir::TensorDescriptor& t : program.tensors().tensors()) {
    if (!ValidLevel(t.home())) continue;
    auto it = span.find(t.name());
    if (it == span.end()) continue;
    const uint64_t end = SatAdd(t.home_offset(), TensorBytesOf(t));
    events[t.home()].push_back({it->second.first, true, end});
    events[t.home()].push_back({it->second.second + 1, false, end});
  }
  std::vector<LevelBytes> per_op(ops.size(), LevelBytes{});
  for (auto& [level, evs] : events) {
    std::sort(evs.begin(), evs.end(), [](const Event& a, const Event& b) { return a.op < b.op; });
    std::multiset<uint64_t> live;
    size_t e = 0;
    for (int i = 0; i < ops.size(); ++i) {
      for (; e < evs.size() && evs[e].op <= i; ++e) {
        if (evs[e].enter) {
          live.insert(evs[e].end);
        } else {
          live.erase(live.find(evs[e].end));
        }
      }
      per_op[i][level] = live.empty() ? 0 : *live.rbegin();
    }
  }
  return per_op;
}

LevelBytes HomeArenaBytes(const ir::KPUProgram& program) {
  LevelBytes arena{};
  for (const ir::TensorDescriptor& t : program.tensors().tensors()) {
    if (!ValidLevel(t.home())) continue;
    arena[t.home()] = std::max(arena[t.home()], SatAdd(t.home_offset(), TensorBytesOf(t)));
  }
  return arena;
}

LevelBytes PeakSramBytes(const ir::KPUProgram& program, const ir::KPUConfig& config) {
  std::vector<ir::MemoryLevel> on_chip;
  for (const ir::MemoryLevelConfig& m : config.memory()) {
    if (ValidLevel(m.level())) on_chip.push_back(m.level());
  }
  LevelBytes peak{};
  if (on_chip.empty()) return peak;
  std::sort(on_chip.begin(), on_chip.end());
  const std::vector<LevelBytes> homes = HomeBytesPerOp(program);
  const auto& ops = program.operations().ops();
  for (int i = 0; i < ops.size(); ++i) {
    for (ir::MemoryLevel l : on_chip) {
      const uint64_t tiles = l == on_chip.back() ? ops[i].l1_bytes() : ops[i].staging_bytes();
      peak[l] = std::max(peak[l], SatAdd(homes[i][l], tiles));
    }
  }
  return peak;
}

}  // namespace kpu
