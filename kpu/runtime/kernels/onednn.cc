#include "kpu/runtime/kernels/onednn.h"

#include <cstdint>
#include <vector>

namespace kpu::runtime::onednn {
namespace {

constexpr size_t kAlignment = 64;  // oneDNN's own alignment for the buffers it allocates

// One run at a time per thread uses this buffer, so threads never share a scratchpad.
dnnl::memory ThreadScratchpad(const dnnl::memory::desc& md) {
  thread_local std::vector<std::byte> buffer;
  const size_t bytes = md.get_size();
  if (buffer.size() < bytes + kAlignment) buffer.resize(bytes + kAlignment);
  const uintptr_t base = reinterpret_cast<uintptr_t>(buffer.data());
  void* aligned = reinterpret_cast<void*>((base + kAlignment - 1) / kAlignment * kAlignment);
  return dnnl::memory(md, Engine(), aligned);
}

}  // namespace

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::primitive_attr SharedPrimitiveAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

void SharedPrimitive::Execute(dnnl::stream& stream, std::unordered_map<int, dnnl::memory> args) const {
  if (scratchpad.get_size() > 0) args[DNNL_ARG_SCRATCHPAD] = ThreadScratchpad(scratchpad);
  prim.execute(stream, args);
}

void SharedPrimitive::Execute(dnnl::stream& stream, const dnnl::memory& from, const dnnl::memory& to) const {
  Execute(stream, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

SharedPrimitive MakeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  dnnl::engine& eng = Engine();
  dnnl::reorder::primitive_desc pd(eng, from, eng, to, SharedPrimitiveAttr());
  return {dnnl::reorder(pd), pd.scratchpad_desc()};
}

}  // namespace kpu::runtime::onednn
