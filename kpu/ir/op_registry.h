// The op registry: one entry per op, the single definition every layer registers against
// (ARCHITECTURE.md decision 1). The compiler's lowering, the runtime's kernel, the simulator's
// cost function and the torch lowering table each key on OpDef::name; tests/op_coverage_test
// fails when any of them lacks an op listed here.
#ifndef KPU_IR_OP_REGISTRY_H_
#define KPU_IR_OP_REGISTRY_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/shape.h"

namespace kpu {

struct TensorType {
  ir::DataType dtype = ir::DTYPE_UNSPECIFIED;
  Shape shape;
};

enum class AttrType { kInt, kFloat, kString, kInts, kFloats };

struct AttrDef {
  std::string name;
  AttrType type;
  bool required = false;
  std::string doc;
};

using InferFn = std::function<absl::StatusOr<std::vector<TensorType>>(
    const ir::Node& node, const std::vector<TensorType>& inputs)>;

inline constexpr int kVariableOutputs = -1;

struct OpDef {
  std::string name;
  std::string semantics;  // the reference meaning, in PyTorch terms
  int min_inputs = 1;
  int max_inputs = 1;
  int num_outputs = 1;  // kVariableOutputs: as many as the attributes say (split)
  std::vector<AttrDef> attributes;
  std::vector<ir::DataType> dtypes;  // element types the op accepts
  InferFn infer;
};

class OpRegistry {
 public:
  // The registry with every op of the toolchain.
  static const OpRegistry& Global();

  const OpDef* Find(const std::string& name) const;
  std::vector<std::string> Names() const;  // sorted
  void Register(OpDef def);

  // Checks arity, attributes and dtypes of a node, then infers its output types. Errors name the
  // node and the op.
  absl::StatusOr<std::vector<TensorType>> Infer(const ir::Node& node,
                                                const std::vector<TensorType>& inputs) const;

 private:
  std::vector<OpDef> ops_;
};

// Adds every op family of kpu/ir/ops/ (the list is in kpu/ir/ops/all_ops.cc).
void RegisterAllOps(OpRegistry& registry);

}  // namespace kpu

#endif  // KPU_IR_OP_REGISTRY_H_
