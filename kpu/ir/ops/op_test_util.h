// Builds nodes and runs registry inference for the op family tests.
#ifndef KPU_IR_OPS_OP_TEST_UTIL_H_
#define KPU_IR_OPS_OP_TEST_UTIL_H_

#include <string>
#include <vector>

#include "kpu/ir/graph_util.h"
#include "kpu/ir/op_registry.h"

namespace kpu::ops::testing {

inline TensorType F32(Shape s) { return {ir::FLOAT32, std::move(s)}; }

struct NodeBuilder {
  ir::Node node;
  NodeBuilder(const std::string& op, int outputs = 1) {
    node.set_name("n0");
    node.set_op_type(op);
    for (int i = 0; i < outputs; ++i) node.add_outputs("y" + std::to_string(i));
  }
  NodeBuilder& Int(const std::string& name, int64_t v) {
    (*node.mutable_attributes())[name].set_i(v);
    return *this;
  }
  NodeBuilder& Float(const std::string& name, double v) {
    (*node.mutable_attributes())[name].set_f(v);
    return *this;
  }
  NodeBuilder& Str(const std::string& name, const std::string& v) {
    (*node.mutable_attributes())[name].set_s(v);
    return *this;
  }
  NodeBuilder& Ints(const std::string& name, const std::vector<int64_t>& v) {
    auto* list = (*node.mutable_attributes())[name].mutable_ints();
    for (int64_t x : v) list->add_values(x);
    return *this;
  }
  absl::StatusOr<std::vector<TensorType>> Infer(const std::vector<TensorType>& inputs) {
    node.clear_inputs();
    for (size_t i = 0; i < inputs.size(); ++i) node.add_inputs("x" + std::to_string(i));
    return OpRegistry::Global().Infer(node, inputs);
  }
  absl::StatusOr<Shape> InferShape(const std::vector<TensorType>& inputs) {
    auto out = Infer(inputs);
    if (!out.ok()) return out.status();
    return (*out)[0].shape;
  }
};

}  // namespace kpu::ops::testing

#endif  // KPU_IR_OPS_OP_TEST_UTIL_H_
