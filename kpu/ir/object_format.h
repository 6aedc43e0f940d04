// The `.kpu` container (ARCHITECTURE.md decision 4), shared by the compiler's object writer and
// the runtime's object reader. Layout, all integers little-endian:
//
//   offset 0   char[4]  magic "KPU\0"
//          4   uint32   format version (kFormatVersion)
//          8   uint32   flags (must be 0)
//         12   uint32   section count
//         16   section table: per section {uint32 type, uint32 crc32, uint64 offset, uint64 size}
//   then the sections, back to back in table order; the weights section starts on a 64-byte
//   boundary after zero padding. Nothing follows the last section. Section contents are covered
//   by their CRC-32s and every other byte has exactly one valid value, so the reader rejects any
//   change to any byte.
#ifndef KPU_IR_OBJECT_FORMAT_H_
#define KPU_IR_OBJECT_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"

namespace kpu {

constexpr char kObjectMagic[4] = {'K', 'P', 'U', '\0'};
// 2: affine TensorRegions, Compute attributes and dataflow, carried dependencies (decisions 8, 9).
// 3: tensor homes on chip (TensorDescriptor.home): a format-2 runtime would look for them in DRAM.
constexpr uint32_t kFormatVersion = 3;
constexpr uint32_t kHeaderBytes = 16;
constexpr uint32_t kSectionEntryBytes = 24;
constexpr uint32_t kWeightsAlignment = 64;
constexpr uint32_t kMaxSections = 64;

enum class SectionType : uint32_t {
  kMetadata = 1,
  kTensors = 2,
  kOperations = 3,
  kDependencies = 4,
  kHints = 5,
  kWeights = 6,
};

std::string SectionName(uint32_t type);

// Protobuf bytes that are the same for the same message (map fields in key order), so a program
// compiled twice is the same file and hashes are stable.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

struct Section {
  SectionType type;
  std::string bytes;
};

uint32_t Crc32(const void* data, size_t size);

// Lays sections out in the given order behind the header and table.
std::string EncodeContainer(const std::vector<Section>& sections);

// Checks magic, version, flags, table bounds, section layout and padding, and checksums; errors say which check
// failed and where. Never reads outside `bytes`.
absl::StatusOr<std::vector<Section>> DecodeContainer(const std::string& bytes);

}  // namespace kpu

#endif  // KPU_IR_OBJECT_FORMAT_H_
