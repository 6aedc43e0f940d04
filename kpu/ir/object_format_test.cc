#include "kpu/ir/object_format.h"

#include <string>
#include <utility>

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

// The IEEE CRC-32 every zip and PNG tool computes (the values are Python's zlib.crc32), at
// lengths around the eight-byte steps and with an unaligned start.
TEST(Crc32, MatchesZlibAtEveryLengthAroundItsStep) {
  EXPECT_EQ(Crc32("123456789", 9), 0xCBF43926u);
  std::string d(1001, '\0');
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<char>((i * 131 + 7) & 0xff);
  const std::pair<size_t, uint32_t> want[] = {{0, 0x0u},         {1, 0x4c667a2eu},  {7, 0xff206b2eu},
                                              {8, 0xf7921d46u},  {9, 0xc04294c0u},  {15, 0xa4762116u},
                                              {16, 0xea7e5b68u}, {17, 0x293cddb3u}, {1000, 0x1ed57bb9u}};
  for (const auto& [n, crc] : want) EXPECT_EQ(Crc32(d.data(), n), crc) << n << " bytes";
  const std::string shifted = "x" + d.substr(0, 1000);
  EXPECT_EQ(Crc32(shifted.data() + 1, 1000), 0x1ed57bb9u);
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
