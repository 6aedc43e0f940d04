// Times the analytical mode's estimate of a compiled program (sim::EstimateProgram over every op,
// the same kpu/cost calls the compiler made), apart from computing any values, so the cost
// model's speed is measured on its own. Prints one JSON line.
//
//   estimate_speed PROGRAM.kpu [REPS]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kpu/ir/dfx_walk.h"
#include "kpu/runtime/object_reader.h"
#include "kpu/sim/analytical_model.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PROGRAM.kpu [REPS]\n", argv[0]);
    return 2;
  }
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  auto program = kpu::runtime::ReadObjectFile(argv[1]);
  if (!program.ok()) {
    std::fprintf(stderr, "estimate_speed: %s\n", std::string(program.status().message()).c_str());
    return 1;
  }
  const kpu::ir::KPUConfig& config = program->proto.metadata().target_config();
  // How much DFX the estimate walks: every tile-level step of every op.
  uint64_t steps = 0;
  for (const auto& op : program->proto.operations().ops()) {
    auto n = kpu::CountDfxSteps(op.dfx());
    if (n.ok()) steps += *n;
  }
  std::vector<double> ms, cpu_ms;
  uint64_t cycles = 0;
  for (int i = 0; i < reps; ++i) {
    // CPU time too: on a shared machine the wall time also counts other processes' turns.
    const std::clock_t cpu_start = std::clock();
    const auto start = std::chrono::steady_clock::now();
    auto metrics = kpu::sim::EstimateProgram(program->proto, config);
    const auto stop = std::chrono::steady_clock::now();
    cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    if (!metrics.ok()) {
      std::fprintf(stderr, "estimate_speed: %s\n", std::string(metrics.status().message()).c_str());
      return 1;
    }
    cycles = metrics->total_cycles();
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu_ms.begin(), cpu_ms.end());
  std::printf("{\"ops\": %d, \"reps\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, \"median_cpu_ms\": %.3f, "
              "\"dfx_steps\": %llu, \"total_cycles\": %llu}\n",
              program->proto.operations().ops_size(), reps, ms[ms.size() / 2], ms.front(), cpu_ms[cpu_ms.size() / 2],
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(cycles));
  return 0;
}
