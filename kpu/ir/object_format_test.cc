#include "kpu/ir/object_format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kpu/ir/errors.h"

namespace kpu {
namespace {

using ::testing::HasSubstr;

std::string Sample() {
  return EncodeContainer({{SectionType::kMetadata, "meta"},
                          {SectionType::kOperations, std::string(100, 'x')},
                          {SectionType::kWeights, std::string(77, 'w')}});
}

TEST(ObjectFormat, RoundTripsAndAlignsWeights) {
  std::string file = Sample();
  EXPECT_EQ(file.substr(0, 4), std::string("KPU\0", 4));
  auto sections = DecodeContainer(file);
  ASSERT_TRUE(sections.ok()) << sections.status();
  ASSERT_EQ(sections->size(), 3u);
  EXPECT_EQ((*sections)[1].bytes, std::string(100, 'x'));
  EXPECT_EQ((*sections)[2].type, SectionType::kWeights);
  EXPECT_EQ(file.find(std::string(77, 'w')) % kWeightsAlignment, 0u);
}

TEST(ObjectFormat, RejectsEveryTruncation) {
  std::string file = Sample();
  for (size_t n = 0; n < file.size(); ++n) {
    auto r = DecodeContainer(file.substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted a file truncated to " << n << " bytes";
    EXPECT_EQ(KindOf(r.status()), ErrorKind::kInvalidProgram);
  }
}

TEST(ObjectFormat, RejectsBadMagicAndVersion) {
  std::string file = Sample();
  file[0] = 'X';
  EXPECT_THAT(DecodeContainer(file).status().message(), HasSubstr("bad magic"));
  file = Sample();
  file[4] = 9;
  EXPECT_THAT(DecodeContainer(file).status().message(), HasSubstr("format version 9 is not supported"));
  // A file from before affine regions (format 1) or on-chip homes (format 2) is told to recompile.
  file[4] = 1;
  EXPECT_THAT(DecodeContainer(file).status().message(),
              HasSubstr("format version 1 is not supported (this loader reads version 3); recompile"));
  file[4] = 2;
  EXPECT_THAT(DecodeContainer(file).status().message(),
              HasSubstr("format version 2 is not supported (this loader reads version 3); recompile"));
}

TEST(ObjectFormat, DetectsCorruptionInEverySectionByte) {
  const std::string file = Sample();
  auto sections = DecodeContainer(file);
  ASSERT_TRUE(sections.ok());
  size_t payload_start = file.find("meta");
  for (size_t i = payload_start; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] ^= 0x5a;
    auto r = DecodeContainer(bad);
    if (r.ok()) {
      // Padding before the weights section is covered by no checksum; it must not change content.
      EXPECT_EQ((*r)[0].bytes, (*sections)[0].bytes);
      EXPECT_EQ((*r)[2].bytes, (*sections)[2].bytes);
      continue;
    }
    EXPECT_THAT(r.status().message(), HasSubstr("corrupted"));
  }
}

TEST(ObjectFormat, RejectsHostileSectionTable) {
  std::string file = Sample();
  // Offset of section 0 set far past the end.
  for (int i = 0; i < 8; ++i) file[kHeaderBytes + 8 + i] = static_cast<char>(0xff);
  EXPECT_THAT(DecodeContainer(file).status().message(), HasSubstr("outside"));
  file = Sample();
  file[12] = static_cast<char>(0xff);  // section count
  EXPECT_FALSE(DecodeContainer(file).ok());
}

}  // namespace
}  // namespace kpu
