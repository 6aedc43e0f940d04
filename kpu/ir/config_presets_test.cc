#include "kpu/ir/config_presets.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace kpu {
namespace {

TEST(ConfigPresets, EveryPresetIsValid) {
  for (const std::string& name : PresetNames()) {
    auto c = PresetConfig(name);
    ASSERT_TRUE(c.ok()) << name;
    EXPECT_TRUE(ValidateConfig(*c).ok()) << name << ": " << ValidateConfig(*c);
  }
}

TEST(ConfigPresets, DefaultFollowsSeed004) {
  ir::KPUConfig c = DefaultConfig();
  EXPECT_EQ(c.name(), "swkpu-v1");
  EXPECT_EQ(LevelCapacity(*FindLevel(c, ir::L1)), 256u * 1024);
  EXPECT_EQ(LevelCapacity(*FindLevel(c, ir::L2)), 2u * 1024 * 1024);
  EXPECT_EQ(c.compute().array_rows(), 16u);
  EXPECT_DOUBLE_EQ(c.tdp_watts(), 5.0);
}

TEST(ConfigPresets, UnknownPresetListsTheKnownOnes) {
  auto c = PresetConfig("nope");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("swkpu-v1, minimal"));
}

TEST(ConfigPresets, JsonRoundTripAndValidation) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(DefaultConfig(), &json).ok());
  auto back = ParseConfig(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), DefaultConfig().SerializeAsString());

  ir::KPUConfig broken = DefaultConfig();
  broken.mutable_compute()->set_clock_ghz(0);
  EXPECT_THAT(ParseConfig(broken.SerializeAsString()).status().message(),
              ::testing::HasSubstr("clock_ghz must be positive"));
}

}  // namespace
}  // namespace kpu
