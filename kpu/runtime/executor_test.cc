// The executor's fast path on hand-built programs: byte arenas, weights bound as constants,
// multi-output ops, and a kernel chosen by (op, dtype) at load.
#include "kpu/runtime/executor.h"

#include <cmath>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"

namespace kpu::runtime {
namespace {

class ProgramBuilder {
 public:
  ProgramBuilder() { *p_.proto.mutable_metadata()->mutable_target_config() = DefaultConfig(); }

  void Tensor(const std::string& name, Shape shape, ir::TensorDescriptor::Kind kind,
              const std::vector<float>* weight = nullptr) {
    ir::TensorDescriptor* t = p_.proto.mutable_tensors()->add_tensors();
    t->set_name(name);
    t->set_dtype(ir::FLOAT32);
    for (int64_t d : shape) t->add_shape(d);
    t->set_kind(kind);
    const uint64_t bytes = NumElements(shape) * sizeof(float);
    if (kind == ir::TensorDescriptor::WEIGHT) {
      t->set_weight_offset(p_.weights.size());
      t->set_weight_size(bytes);
      p_.weights.append(reinterpret_cast<const char*>(weight->data()), bytes);
    } else {
      t->set_arena_offset(arena_);
      arena_ += (bytes + 63) / 64 * 64;
    }
    if (kind == ir::TensorDescriptor::INPUT) p_.proto.mutable_metadata()->add_input_ids(name);
    if (kind == ir::TensorDescriptor::OUTPUT) p_.proto.mutable_metadata()->add_output_ids(name);
  }

  ir::KPUOp* Op(const std::string& type, std::vector<std::string> in, std::vector<std::string> out) {
    ir::KPUOp* op = p_.proto.mutable_operations()->add_ops();
    op->set_id(type + std::to_string(p_.proto.operations().ops_size()));
    op->set_op_type(type);
    for (const auto& s : in) op->add_inputs(s);
    for (const auto& s : out) op->add_outputs(s);
    return op;
  }

  const Program& program() const { return p_; }

 private:
  Program p_;
  uint64_t arena_ = 0;
};

void SetInts(ir::KPUOp* op, const std::string& name, std::vector<int64_t> v) {
  for (int64_t x : v) (*op->mutable_attributes())[name].mutable_ints()->add_values(x);
}

TEST(Executor, RunsConvSplitConcatOnByteArenas) {
  // x[1,2,4,4] -conv 1x1 (weights w: out c = in c0 + 2 * in c1, and in c1)-> [1,2,4,4]
  // -split channels-> a, b -concat(b, a)-> y: the channels swapped.
  std::vector<float> w = {1, 2, 0, 1};
  ProgramBuilder b;
  b.Tensor("x", {1, 2, 4, 4}, ir::TensorDescriptor::INPUT);
  b.Tensor("w", {2, 2, 1, 1}, ir::TensorDescriptor::WEIGHT, &w);
  b.Tensor("c", {1, 2, 4, 4}, ir::TensorDescriptor::ACTIVATION);
  b.Tensor("a", {1, 1, 4, 4}, ir::TensorDescriptor::ACTIVATION);
  b.Tensor("d", {1, 1, 4, 4}, ir::TensorDescriptor::ACTIVATION);
  b.Tensor("y", {1, 2, 4, 4}, ir::TensorDescriptor::OUTPUT);
  b.Op("conv2d", {"x", "w"}, {"c"});
  ir::KPUOp* split = b.Op("split", {"c"}, {"a", "d"});
  (*split->mutable_attributes())["axis"].set_i(1);
  SetInts(split, "sizes", {1, 1});
  ir::KPUOp* cat = b.Op("concat", {"d", "a"}, {"y"});
  (*cat->mutable_attributes())["axis"].set_i(1);
  auto exec = Executor::Load(b.program(), nullptr);
  ASSERT_TRUE(exec.ok()) << exec.status();
  std::vector<float> x(32), y(32);
  for (int i = 0; i < 32; ++i) x[i] = std::sin(0.3f * i);
  for (int run = 0; run < 2; ++run) {  // the second run uses the conv's kept weights
    ASSERT_TRUE((*exec)->Execute({{"x", ir::FLOAT32, {1, 2, 4, 4}, x.data(), x.size() * 4}},
                                 {{"y", ir::FLOAT32, {1, 2, 4, 4}, y.data(), y.size() * 4}}, {}).ok());
    for (int i = 0; i < 16; ++i) {
      EXPECT_NEAR(y[i], x[16 + i], 1e-6);              // channel 1 of the conv
      EXPECT_NEAR(y[16 + i], x[i] + 2 * x[16 + i], 1e-5);  // channel 0
    }
  }
}

TEST(Executor, LoadNamesAnOpWithoutAKernelForItsDtype) {
  ProgramBuilder b;
  b.Tensor("x", {4}, ir::TensorDescriptor::INPUT);
  b.Tensor("y", {4}, ir::TensorDescriptor::OUTPUT);
  b.Op("relu", {"x"}, {"y"});
  Program p = b.program();
  for (auto& t : *p.proto.mutable_tensors()->mutable_tensors()) t.set_dtype(ir::FLOAT16);
  auto exec = Executor::Load(p, nullptr);
  ASSERT_FALSE(exec.ok());
  EXPECT_THAT(std::string(exec.status().message()), ::testing::HasSubstr("relu1"));
  EXPECT_THAT(std::string(exec.status().message()), ::testing::HasSubstr("float16"));
}

}  // namespace
}  // namespace kpu::runtime
