#include <map>
#include <string>

#include "kpu/compiler/passes.h"
#include "kpu/ir/graph_util.h"
#include "kpu/ir/shape.h"

namespace kpu::compiler {

absl::Status PretransposeConstantWeights(ir::Graph* graph) {
  auto tensors = TensorsByName(graph);
  // A constant read by anything other than transposing matmuls must keep its layout.
  std::map<std::string, int> other_uses;
  for (const ir::Node& node : graph->nodes()) {
    for (int i = 0; i < node.inputs_size(); ++i) {
      bool transposed_b = node.op_type() == "matmul" && i == 1 &&
                          GetInt(node.attributes(), "transpose_b", 0) != 0;
      if (!transposed_b) other_uses[node.inputs(i)]++;
    }
  }
  std::map<std::string, bool> done;
  for (ir::Node& node : *graph->mutable_nodes()) {
    if (node.op_type() != "matmul" || GetInt(node.attributes(), "transpose_b", 0) == 0) continue;
    ir::Tensor* w = tensors[node.inputs(1)];
    if (w == nullptr || !IsConstant(*w) || w->dtype() != ir::FLOAT32 || other_uses[w->name()] > 0) continue;
    if (!done[w->name()]) {
      // [..., N, K] -> [..., K, N], batch by batch (a batched B of a bmm transposes per matrix).
      const int rank = w->shape_size();
      const int64_t n = w->shape(rank - 2), k = w->shape(rank - 1);
      const int64_t matrices = n * k == 0 ? 0 : NumElements(ToShape(w->shape())) / (n * k);
      const float* src = reinterpret_cast<const float*>(w->raw_data().data());
      std::string out(w->raw_data().size(), '\0');
      float* dst = reinterpret_cast<float*>(out.data());
      for (int64_t b = 0; b < matrices; ++b) {
        for (int64_t r = 0; r < n; ++r) {
          for (int64_t c = 0; c < k; ++c) dst[b * n * k + c * n + r] = src[b * n * k + r * k + c];
        }
      }
      w->set_raw_data(std::move(out));
      w->set_shape(rank - 2, k);
      w->set_shape(rank - 1, n);
      done[w->name()] = true;
    }
    node.mutable_attributes()->erase("transpose_b");
  }
  return absl::OkStatus();
}

}  // namespace kpu::compiler
