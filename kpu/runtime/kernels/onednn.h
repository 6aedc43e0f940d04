// The oneDNN CPU engine the kernels share, and a cache of ready primitives: creating a primitive
// descriptor costs far more than running a small convolution, so each distinct (shape,
// attributes) pair is created once per process.
//
// Threads: runtimes on different threads share the cached primitives. With oneDNN's default
// library-managed scratchpad a primitive must run on the thread that created it, and never on
// two threads at once (oneDNN's scratchpad_mode documentation); sharing them that way gave wrong
// convolution outputs in tests/threads_test. So every cached primitive is built with a
// user-managed scratchpad and each execution passes one from the executing thread's own buffer,
// which oneDNN documents as safe to run concurrently.
#ifndef KPU_RUNTIME_KERNELS_ONEDNN_H_
#define KPU_RUNTIME_KERNELS_ONEDNN_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "dnnl.hpp"

namespace kpu::runtime::onednn {

dnnl::engine& Engine();

// Attributes every cached primitive is built with (the user-managed scratchpad); add post-ops to
// the result.
dnnl::primitive_attr SharedPrimitiveAttr();

// A primitive that may run on several threads at once, and the scratchpad one run needs.
struct SharedPrimitive {
  dnnl::primitive prim;
  dnnl::memory::desc scratchpad;

  // Runs with a scratchpad from this thread's own buffer.
  void Execute(dnnl::stream& stream, std::unordered_map<int, dnnl::memory> args) const;
  // A reorder's two arguments.
  void Execute(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const;
};

SharedPrimitive MakeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to);

// A process-wide map from a key to a plan built on first use. Plans are immutable once built and
// may be used by several threads.
template <typename Plan>
class PlanCache {
 public:
  std::shared_ptr<const Plan> GetOrBuild(const std::string& key, const std::function<std::shared_ptr<Plan>()>& build) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = plans_.find(key);
      if (it != plans_.end()) return it->second;
    }
    std::shared_ptr<const Plan> plan = build();
    std::lock_guard<std::mutex> lock(mu_);
    return plans_.emplace(key, plan).first->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Plan>> plans_;
};

}  // namespace kpu::runtime::onednn

#endif  // KPU_RUNTIME_KERNELS_ONEDNN_H_
