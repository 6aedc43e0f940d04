#include "kpu/ir/object_format.h"

#include <array>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "kpu/ir/errors.h"

namespace kpu {
namespace {

void PutU32(std::string* out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutU64(std::string* out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) (*out)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t GetU32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}
uint64_t GetU64(const std::string& in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  return v;
}

}  // namespace

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string SectionName(uint32_t type) {
  switch (static_cast<SectionType>(type)) {
    case SectionType::kMetadata: return "METADATA";
    case SectionType::kTensors: return "TENSORS";
    case SectionType::kOperations: return "OPERATIONS";
    case SectionType::kDependencies: return "DEPENDENCIES";
    case SectionType::kHints: return "HINTS";
    case SectionType::kWeights: return "WEIGHTS";
  }
  return absl::StrCat("section type ", type);
}

// CRC-32 (IEEE, reflected), eight bytes per step ("slicing by 8"): table[k][b] is the CRC of
// byte b followed by k zero bytes, so eight lookups replace eight dependent byte steps. A
// ResNet-18 program carries 45 MB of weights, checked at every load and written at every save.
uint32_t Crc32(const void* data, size_t size) {
  using Tables = std::array<std::array<uint32_t, 256>, 8>;
  static const Tables table = [] {
    Tables t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (int k = 1; k < 8; ++k) {
      for (uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  const auto* p = static_cast<const uint8_t*>(data);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    // Little-endian words from bytes, whatever the host's byte order.
    const uint32_t lo = crc ^ (uint32_t{p[i]} | uint32_t{p[i + 1]} << 8 | uint32_t{p[i + 2]} << 16 |
                               uint32_t{p[i + 3]} << 24);
    const uint32_t hi = uint32_t{p[i + 4]} | uint32_t{p[i + 5]} << 8 | uint32_t{p[i + 6]} << 16 |
                        uint32_t{p[i + 7]} << 24;
    crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
          table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
  }
  for (; i < size; ++i) crc = table[0][(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string EncodeContainer(const std::vector<Section>& sections) {
  const size_t table_end = kHeaderBytes + kSectionEntryBytes * sections.size();
  std::string out(table_end, '\0');
  std::memcpy(out.data(), kObjectMagic, 4);
  PutU32(&out, 4, kFormatVersion);
  PutU32(&out, 8, 0);
  PutU32(&out, 12, static_cast<uint32_t>(sections.size()));
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& s = sections[i];
    if (s.type == SectionType::kWeights) {
      out.resize((out.size() + kWeightsAlignment - 1) / kWeightsAlignment * kWeightsAlignment, '\0');
    }
    const size_t entry = kHeaderBytes + kSectionEntryBytes * i;
    PutU32(&out, entry, static_cast<uint32_t>(s.type));
    PutU32(&out, entry + 4, Crc32(s.bytes.data(), s.bytes.size()));
    PutU64(&out, entry + 8, out.size());
    PutU64(&out, entry + 16, s.bytes.size());
    out += s.bytes;
  }
  return out;
}

absl::StatusOr<std::vector<Section>> DecodeContainer(const std::string& bytes) {
  if (bytes.size() < kHeaderBytes) {
    return InvalidProgramError(absl::StrCat("file is ", bytes.size(), " bytes, shorter than the ",
                                            kHeaderBytes, "-byte header (truncated?)"));
  }
  if (std::memcmp(bytes.data(), kObjectMagic, 4) != 0) {
    return InvalidProgramError("bad magic number (not a .kpu file)");
  }
  const uint32_t version = GetU32(bytes, 4);
  if (version != kFormatVersion) {
    // Format 1 tiles could only name aligned boxes; their DFX means something else now.
    const std::string hint = version < kFormatVersion ? "; recompile the model with this toolchain" : "";
    return InvalidProgramError(absl::StrCat("format version ", version,
                                            " is not supported (this loader reads version ",
                                            kFormatVersion, ")", hint));
  }
  // Every byte of a file is either checksummed (section contents) or has exactly one allowed
  // value: flags and padding are zero, sections sit back to back in table order. So no byte can
  // change unnoticed (issue 6: 32 bytes of header flags and padding were covered by nothing).
  if (const uint32_t flags = GetU32(bytes, 8); flags != 0) {
    return InvalidProgramError(absl::StrCat("header flags are 0x", absl::Hex(flags),
                                            "; this loader knows no flags and requires 0"));
  }
  const uint32_t count = GetU32(bytes, 12);
  if (count > kMaxSections) {
    return InvalidProgramError(absl::StrCat("section count ", count, " exceeds the limit of ", kMaxSections));
  }
  const uint64_t table_end = kHeaderBytes + static_cast<uint64_t>(kSectionEntryBytes) * count;
  if (table_end > bytes.size()) {
    return InvalidProgramError("section table extends past the end of the file (truncated?)");
  }
  std::vector<Section> sections;
  std::set<uint32_t> seen;
  uint64_t expected_offset = table_end;  // where the next section must start
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = kHeaderBytes + kSectionEntryBytes * i;
    const uint32_t type = GetU32(bytes, entry);
    const uint32_t crc = GetU32(bytes, entry + 4);
    const uint64_t offset = GetU64(bytes, entry + 8);
    const uint64_t size = GetU64(bytes, entry + 16);
    const std::string name = SectionName(type);
    if (type < static_cast<uint32_t>(SectionType::kMetadata) ||
        type > static_cast<uint32_t>(SectionType::kWeights)) {
      return InvalidProgramError(absl::StrCat("unknown ", name, " in the section table"));
    }
    if (!seen.insert(type).second) return InvalidProgramError(absl::StrCat("section ", name, " appears twice"));
    if (offset < table_end || offset > bytes.size() || size > bytes.size() - offset) {
      return InvalidProgramError(absl::StrCat("section ", name, " (offset ", offset, ", size ", size,
                                              ") lies outside the ", bytes.size(), "-byte file (truncated?)"));
    }
    if (static_cast<SectionType>(type) == SectionType::kWeights && offset % kWeightsAlignment != 0) {
      return InvalidProgramError(absl::StrCat("section WEIGHTS at offset ", offset, " is not ",
                                              kWeightsAlignment, "-byte aligned"));
    }
    uint64_t start = expected_offset;
    if (static_cast<SectionType>(type) == SectionType::kWeights) {
      start = (start + kWeightsAlignment - 1) / kWeightsAlignment * kWeightsAlignment;
    }
    if (offset != start) {
      return InvalidProgramError(absl::StrCat("section ", name, " starts at offset ", offset, ", expected ", start,
                                              " (sections follow the table back to back)"));
    }
    for (uint64_t at = expected_offset; at < start; ++at) {
      if (bytes[at] != '\0') {
        return InvalidProgramError(absl::StrCat("padding byte ", at, " before section ", name, " is not zero"));
      }
    }
    expected_offset = offset + size;
    if (Crc32(bytes.data() + offset, size) != crc) {
      return InvalidProgramError(absl::StrCat("section ", name, " is corrupted (checksum mismatch)"));
    }
    sections.push_back({static_cast<SectionType>(type), bytes.substr(offset, size)});
  }
  if (expected_offset != bytes.size()) {
    return InvalidProgramError(absl::StrCat(bytes.size() - expected_offset, " bytes follow after the last section"));
  }
  return sections;
}

}  // namespace kpu
