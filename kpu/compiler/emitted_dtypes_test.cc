#include "kpu/compiler/emitted_dtypes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/errors.h"
#include "kpu/testing/test_graphs.h"

namespace kpu::compiler {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The registry of this release declares float32 only, so no inferred graph reaches this check
// with another dtype yet; the graph here is typed by hand, as one would be once an op declares
// int8 before the compiler can emit it.
TEST(EmittedDtypes, ANodeOnAnotherDtypeIsRefusedByNameOpAndDtype) {
  ir::Graph g;
  testing::AddInput(&g, "x", {2, 8});
  testing::AddNode(&g, "relu", {"x"}, "r");
  testing::AddInput(&g, "q", {2, 8});
  g.mutable_tensors(1)->set_dtype(ir::INT8);
  testing::AddNode(&g, "add", {"r", "q"}, "y");
  for (const char* t : {"r", "y"}) {
    ir::Tensor* out = g.add_tensors();
    out->set_name(t);
    out->set_dtype(ir::FLOAT32);
  }
  g.add_outputs("y");
  const absl::Status s = CheckEmittedDtypes(g);
  EXPECT_EQ(KindOf(s), ErrorKind::kUnimplemented) << s;
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("node 'y_add' (add) input 1 'q' is int8"), HasSubstr("float32"))) << s;
  g.mutable_tensors(1)->set_dtype(ir::FLOAT32);
  EXPECT_TRUE(CheckEmittedDtypes(g).ok());
  EXPECT_TRUE(CompilerEmits(ir::FLOAT32));
  EXPECT_FALSE(CompilerEmits(ir::BFLOAT16));
}

}  // namespace
}  // namespace kpu::compiler
