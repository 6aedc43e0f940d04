// A loader never crashes on a malformed or hostile .kpu (decision 4). Mutations are applied both
// to the raw file (caught by the checksums) and inside sections with the checksums recomputed,
// so the protobuf parser and the program validator see hostile content. Whatever loads must also
// run without crashing.
#include <random>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/compiler/object_writer.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/object_format.h"
#include "kpu/runtime/executor.h"
#include "kpu/runtime/object_reader.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

std::string MlpObject() {
  auto program = compiler::Compile(kpu::testing::MnistMlp(2), DefaultConfig(), {});
  EXPECT_TRUE(program.ok());
  return compiler::WriteObject(*program);
}

void LoadAndMaybeRun(const std::string& bytes) {
  auto program = runtime::ReadObject(bytes);
  if (!program.ok()) {
    EXPECT_FALSE(program.status().message().empty());
    return;
  }
  auto exec = runtime::Executor::Load(*program, nullptr);
  if (!exec.ok()) return;
  std::vector<float> x(2 * 784, 0.5f), y(2 * 10);
  for (auto engine : {runtime::Engine::kFast, runtime::Engine::kDfxInterpreter}) {
    runtime::ExecuteOptions o;
    o.engine = engine;
    (void)(*exec)->Execute({{"x", ir::FLOAT32, {2, 784}, x.data(), x.size() * 4}},
                           {{"probs", ir::FLOAT32, {2, 10}, y.data(), y.size() * 4}}, o);
  }
}

TEST(MalformedProgram, RawByteFlipsAreRejected) {
  const std::string good = MlpObject();
  std::mt19937 rng(1);
  for (int i = 0; i < 300; ++i) {
    std::string bad = good;
    bad[rng() % 8192] ^= static_cast<char>(1 + rng() % 255);  // header, table and protobuf sections
    auto r = runtime::ReadObject(bad);
    if (!r.ok()) {
      EXPECT_EQ(KindOf(r.status()), ErrorKind::kInvalidProgram) << r.status();
    }
  }
}

TEST(MalformedProgram, HostileSectionsWithValidChecksumsNeverCrash) {
  const std::string good = MlpObject();
  auto sections = DecodeContainer(good);
  ASSERT_TRUE(sections.ok());
  std::mt19937 rng(2);
  int rejected = 0;
  for (int i = 0; i < 1500; ++i) {
    std::vector<Section> mutated = *sections;
    Section& s = mutated[rng() % 5];  // a protobuf section, not weights
    if (s.bytes.empty()) continue;
    const int flips = 1 + rng() % 3;
    for (int f = 0; f < flips; ++f) s.bytes[rng() % s.bytes.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) s.bytes.resize(rng() % s.bytes.size());
    const std::string bytes = EncodeContainer(mutated);
    if (!runtime::ReadObject(bytes).ok()) ++rejected;
    LoadAndMaybeRun(bytes);
  }
  EXPECT_GT(rejected, 500);
}

TEST(MalformedProgram, MissingSectionsAreNamed) {
  auto sections = DecodeContainer(MlpObject());
  ASSERT_TRUE(sections.ok());
  std::vector<Section> without_ops;
  for (const auto& s : *sections) {
    if (s.type != SectionType::kOperations) without_ops.push_back(s);
  }
  auto r = runtime::ReadObject(EncodeContainer(without_ops));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("required section OPERATIONS is missing"), std::string::npos);
}

}  // namespace
}  // namespace kpu
