#include "kpu/runtime/kernels/onednn.h"

namespace kpu::runtime::onednn {

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

}  // namespace kpu::runtime::onednn
