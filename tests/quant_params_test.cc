// Decision 11: quantization parameters travel with tensors from the graph into the program and
// reach the kernels' views.
#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

TEST(QuantParams, CopiedFromGraphTensorsToProgramDescriptors) {
  ir::Graph g = testing::MnistMlp(2);
  ir::Tensor* w = nullptr;
  for (ir::Tensor& t : *g.mutable_tensors()) {
    if (!t.raw_data().empty() || t.float_data_size() > 0) {
      w = &t;
      break;
    }
  }
  ASSERT_NE(w, nullptr);
  w->mutable_quant()->add_scales(0.125f);
  w->mutable_quant()->add_zero_points(-3);
  auto program = compiler::Compile(g, DefaultConfig(), {});
  ASSERT_TRUE(program.ok()) << program.status();
  int with_quant = 0;
  for (const ir::TensorDescriptor& d : program->proto.tensors().tensors()) {
    if (!d.has_quant()) continue;
    ++with_quant;
    EXPECT_EQ(d.name(), w->name());
    EXPECT_EQ(d.quant().scales(0), 0.125f);
    EXPECT_EQ(d.quant().zero_points(0), -3);
  }
  EXPECT_EQ(with_quant, 1);
}

}  // namespace
}  // namespace kpu
