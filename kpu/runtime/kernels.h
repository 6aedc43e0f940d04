// Functional kernels, chosen by (registry op, dtype) (ARCHITECTURE.md decision 11). Tensors are
// bytes plus a dtype, a dense row-major shape and optional quantization parameters. The fast path
// runs kernels on whole tensors; the DFX interpreter runs the same kernels on dense tile buffers
// with the Compute's attributes (a conv tile gets its already padded input window and padding 0)
// and each tile's position in its tensor (TilePosition).
//
// Each kernels/<family>.cc ends with one registration line per (op, dtype); the list of families
// is in kernels.cc. A missing (op, dtype) is an error: "Type float16 is currently not supported
// by conv2d".
#ifndef KPU_RUNTIME_KERNELS_H_
#define KPU_RUNTIME_KERNELS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::runtime {

// Where a view's elements sit in their whole tensor. Empty on the fast path (the view is the
// tensor); the DFX interpreter fills it for every tile, so a kernel whose rule depends on absolute
// position (a resize's source indices, an adaptive pool's bins) computes the elements of the whole
// op its output tile holds, reading them from an input tile placed where those elements read.
struct TilePosition {
  std::vector<int64_t> origin;  // tensor coordinates of the view's first element
  std::vector<int64_t> stride;  // tensor elements between neighbours of the view, per dimension
  Shape whole;                  // the tensor's shape
};

struct ConstTensorView {
  ir::DataType dtype = ir::FLOAT32;
  Shape shape;
  const void* data = nullptr;
  const ir::QuantParams* quant = nullptr;  // null: not quantized
  // The contents never change while the caller lives (a loaded program's weights), so a kernel
  // may keep a repacked copy in its KernelState.
  bool constant = false;
  TilePosition position;
  template <typename T>
  const T* as() const { return static_cast<const T*>(data); }
};

struct TensorView {
  ir::DataType dtype = ir::FLOAT32;
  Shape shape;
  void* data = nullptr;
  const ir::QuantParams* quant = nullptr;
  TilePosition position;
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

inline ConstTensorView AsConst(const TensorView& v) { return {v.dtype, v.shape, v.data, v.quant, false, v.position}; }

// What a kernel keeps between runs of one op of a loaded program, e.g. weights reordered into the
// layout oneDNN runs fastest in. `key` says what `data` was made for; a kernel rebuilds it when
// its key differs. Owned by the executor, one per op.
struct KernelState {
  std::string key;
  std::shared_ptr<void> data;
};

struct KernelArgs {
  const AttrMap& attributes;
  std::vector<ConstTensorView> inputs;
  std::vector<TensorView> outputs;  // one per op output (split has several)
  // Add to the output instead of overwriting it (the DFX accumulate flag: partial sums over K).
  bool accumulate = false;
  // Null when the kernel runs once (DFX tiles, tests): nothing is kept.
  KernelState* state = nullptr;
  const TensorView& output() const { return outputs[0]; }
};

using KernelFn = absl::Status (*)(const KernelArgs& args);

class KernelRegistry {
 public:
  void Add(const std::string& op, ir::DataType dtype, KernelFn fn);
  // op -> dtype -> kernel
  const std::map<std::string, std::map<ir::DataType, KernelFn>>& table() const { return table_; }

 private:
  std::map<std::string, std::map<ir::DataType, KernelFn>> table_;
};

// Every kernel, keyed by registry op name, then dtype.
const std::map<std::string, std::map<ir::DataType, KernelFn>>& Kernels();

// The kernel of `op` for inputs of `dtype`; errors name the op and the dtype.
absl::StatusOr<KernelFn> FindKernel(const std::string& op, ir::DataType dtype);

// Looks up the kernel by the first input's dtype, checks the views' element counts against
// their shapes, and runs it.
absl::Status RunKernel(const std::string& op, const KernelArgs& args);

}  // namespace kpu::runtime

#endif  // KPU_RUNTIME_KERNELS_H_
