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
    // What the compiler declares: the arena plus the weights (the validator holds tensors to it).
    p_.proto.mutable_metadata()->set_peak_dram_bytes(arena_ + p_.weights.size());
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

std::vector<float> Wave(int64_t n, double seed, double scale = 1.0, double offset = 0.0) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(scale * std::sin(0.37 * i + seed) + offset);
  return v;
}

TEST(Executor, SmallCnnMatchesTorch) {
  // conv+bias+relu, max pool, depthwise conv, batch_norm, silu, residual add, global average
  // pool, flatten, linear, softmax; the expected values are PyTorch's for the same weights:
  //   h = relu(conv2d(x, w1, b1, 1, 1)); p = max_pool2d(h, 2); d = conv2d(p, w2, None, 1, 1, 1, 8)
  //   r = silu(batch_norm(d, mu, var, g, bt, eps=1e-5)) + p
  //   y = softmax(linear(adaptive_avg_pool2d(r, 1).reshape(1, 8), wl, bl), -1)
  // with every tensor t[i] = scale * sin(0.37 i + seed) (+ 1 for var).
  const std::vector<float> torch_y = {1.779160202e-01f, 1.441221219e-02f, 2.242950797e-01f, 1.253993530e-02f,
                                      2.232703120e-01f, 1.261381898e-02f, 1.781721711e-01f, 1.498930436e-02f,
                                      1.206260845e-01f, 2.116496116e-02f};
  const auto w1 = Wave(216, 0.2, 0.5), b1 = Wave(8, 0.3, 0.1), w2 = Wave(72, 0.4, 0.5), g = Wave(8, 0.5),
             bt = Wave(8, 0.6, 0.1), mu = Wave(8, 0.7, 0.1), var = Wave(8, 0.8, 0.5, 1.0), wl = Wave(80, 0.9, 0.5),
             bl = Wave(10, 1.0, 0.1);
  using K = ir::TensorDescriptor;
  ProgramBuilder b;
  b.Tensor("x", {1, 3, 8, 8}, K::INPUT);
  b.Tensor("w1", {8, 3, 3, 3}, K::WEIGHT, &w1);
  b.Tensor("b1", {8}, K::WEIGHT, &b1);
  b.Tensor("w2", {8, 1, 3, 3}, K::WEIGHT, &w2);
  b.Tensor("g", {8}, K::WEIGHT, &g);
  b.Tensor("bt", {8}, K::WEIGHT, &bt);
  b.Tensor("mu", {8}, K::WEIGHT, &mu);
  b.Tensor("var", {8}, K::WEIGHT, &var);
  b.Tensor("wl", {10, 8}, K::WEIGHT, &wl);
  b.Tensor("bl", {10}, K::WEIGHT, &bl);
  for (const char* t : {"h"}) b.Tensor(t, {1, 8, 8, 8}, K::ACTIVATION);
  for (const char* t : {"p", "d", "bn", "s", "r"}) b.Tensor(t, {1, 8, 4, 4}, K::ACTIVATION);
  b.Tensor("a4", {1, 8, 1, 1}, K::ACTIVATION);
  b.Tensor("a", {1, 8}, K::ACTIVATION);
  b.Tensor("l", {1, 10}, K::ACTIVATION);
  b.Tensor("y", {1, 10}, K::OUTPUT);
  ir::KPUOp* c1 = b.Op("conv2d", {"x", "w1", "b1"}, {"h"});
  SetInts(c1, "padding", {1, 1, 1, 1});
  (*c1->mutable_attributes())["activation"].set_s("relu");
  SetInts(b.Op("max_pool2d", {"h"}, {"p"}), "kernel", {2, 2});
  ir::KPUOp* c2 = b.Op("conv2d", {"p", "w2"}, {"d"});
  SetInts(c2, "padding", {1, 1, 1, 1});
  (*c2->mutable_attributes())["groups"].set_i(8);
  (*b.Op("batch_norm", {"d", "g", "bt", "mu", "var"}, {"bn"})->mutable_attributes())["epsilon"].set_f(1e-5);
  b.Op("silu", {"bn"}, {"s"});
  b.Op("add", {"s", "p"}, {"r"});
  SetInts(b.Op("adaptive_avg_pool2d", {"r"}, {"a4"}), "output_size", {1, 1});
  SetInts(b.Op("reshape", {"a4"}, {"a"}), "shape", {1, 8});
  b.Op("linear", {"a", "wl", "bl"}, {"l"});
  (*b.Op("softmax", {"l"}, {"y"})->mutable_attributes())["axis"].set_i(-1);
  auto exec = Executor::Load(b.program(), nullptr);
  ASSERT_TRUE(exec.ok()) << exec.status();
  std::vector<float> x = Wave(192, 0.1), y(10);
  ASSERT_TRUE((*exec)->Execute({{"x", ir::FLOAT32, {1, 3, 8, 8}, x.data(), x.size() * 4}},
                               {{"y", ir::FLOAT32, {1, 10}, y.data(), y.size() * 4}}, {}).ok());
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(y[i], torch_y[i], 1e-6) << i;
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
