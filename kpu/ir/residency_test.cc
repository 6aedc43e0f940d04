#include "kpu/ir/residency.h"

#include "gtest/gtest.h"
#include "kpu/ir/config_presets.h"

namespace kpu {
namespace {

void AddOp(ir::KPUProgram* p, std::vector<std::string> in, std::string out, uint64_t l1, uint64_t staging) {
  ir::KPUOp* op = p->mutable_operations()->add_ops();
  for (auto& i : in) op->add_inputs(i);
  op->add_outputs(out);
  op->set_l1_bytes(l1);
  op->set_staging_bytes(staging);
}

void AddTensor(ir::KPUProgram* p, const std::string& name, int64_t elements, ir::MemoryLevel home, uint64_t offset) {
  ir::TensorDescriptor* t = p->mutable_tensors()->add_tensors();
  t->set_name(name);
  t->set_dtype(ir::FLOAT32);
  t->add_shape(elements);
  t->set_home(home);
  t->set_home_offset(offset);
}

TEST(Residency, HomesOccupyTheirLevelFromFirstToLastOpNamingThem) {
  // x -> a (L2 at 0, 100 floats) -> b (L3 at 256, 10 floats) -> c (uses a again) -> y
  ir::KPUProgram p;
  AddTensor(&p, "x", 4, ir::EXTERNAL, 0);
  AddTensor(&p, "a", 100, ir::L2, 0);
  AddTensor(&p, "b", 10, ir::L3, 256);
  AddTensor(&p, "c", 10, ir::L2, 512);
  AddTensor(&p, "y", 4, ir::EXTERNAL, 0);
  AddOp(&p, {"x"}, "a", 1000, 50);
  AddOp(&p, {"a"}, "b", 2000, 60);
  AddOp(&p, {"a", "b"}, "c", 3000, 70);
  AddOp(&p, {"c"}, "y", 4000, 80);
  const std::vector<LevelBytes> homes = HomeBytesPerOp(p);
  ASSERT_EQ(homes.size(), 4u);
  EXPECT_EQ(homes[0][ir::L2], 400u);
  EXPECT_EQ(homes[2][ir::L2], 512u + 40u);  // a and c both live; c ends highest
  EXPECT_EQ(homes[3][ir::L2], 552u);
  EXPECT_EQ(homes[0][ir::L3], 0u);
  EXPECT_EQ(homes[1][ir::L3], 296u);
  EXPECT_EQ(homes[3][ir::L3], 0u);
  EXPECT_EQ(HomeArenaBytes(p)[ir::L2], 552u);
  const LevelBytes peak = PeakSramBytes(p, DefaultConfig());
  EXPECT_EQ(peak[ir::L1], 4000u);
  EXPECT_EQ(peak[ir::L2], 552u + 80u);
  EXPECT_EQ(peak[ir::L3], 296u + 70u);
}

}  // namespace
}  // namespace kpu
