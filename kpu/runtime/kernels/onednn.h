// The oneDNN CPU engine the kernels share, and a cache of ready primitives: creating a primitive
// descriptor costs far more than running a small convolution, so each distinct (shape,
// attributes) pair is created once per process.
#ifndef KPU_RUNTIME_KERNELS_ONEDNN_H_
#define KPU_RUNTIME_KERNELS_ONEDNN_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "dnnl.hpp"

namespace kpu::runtime::onednn {

dnnl::engine& Engine();

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
