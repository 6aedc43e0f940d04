// `.kpu` files a checksum cannot stop: a custom mutator decodes the container, edits one or more
// sections (protobuf sections field by field through proto_mutator.h, the weights and sometimes a
// protobuf section byte by byte, now and then the section list itself) and encodes the container
// again with fresh CRC-32s. The edited file then runs through the same path as program_fuzzer:
// the validator, the loader, the three engines and the cost model see every edit.
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kpu/ir/object_format.h"
#include "kpu/ir/program.pb.h"
#include "kpu/testing/capi_models.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/proto_mutator.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

using kpu::Section;
using kpu::SectionType;

// A valid program to start from when an input is not a container (libFuzzer's own inputs).
const std::string& SeedProgram() {
  static const std::string bytes = [] {
    const kpu::testing::CapiModel model = kpu::testing::CapiCnn(6, 2, 3, 11);
    kpu_program* program = nullptr;
    kpu::fuzz::Require(kpu_compile(model.graph, nullptr, nullptr, &program) == KPU_OK, "the seed program compiles");
    kpu_graph_destroy(model.graph);
    kpu_buffer* buffer = nullptr;
    kpu::fuzz::Require(kpu_program_serialize(program, &buffer) == KPU_OK, "the seed program serializes");
    std::string out(static_cast<const char*>(kpu_buffer_data(buffer)), kpu_buffer_size(buffer));
    kpu_buffer_destroy(buffer);
    kpu_program_destroy(program);
    return out;
  }();
  return bytes;
}

std::unique_ptr<google::protobuf::Message> MessageFor(SectionType type) {
  switch (type) {
    case SectionType::kMetadata: return std::make_unique<kpu::ir::ProgramMetadata>();
    case SectionType::kTensors: return std::make_unique<kpu::ir::TensorTable>();
    case SectionType::kOperations: return std::make_unique<kpu::ir::OperationList>();
    case SectionType::kDependencies: return std::make_unique<kpu::ir::DependencyGraph>();
    case SectionType::kHints: return std::make_unique<kpu::ir::Hints>();
    default: return nullptr;
  }
}

// Operations hold the DFX, where most of the loader's checks live; weigh them most.
size_t PickSection(const std::vector<Section>& sections, std::minstd_rand& rng) {
  std::vector<int> weights;
  for (const Section& s : sections) {
    switch (s.type) {
      case SectionType::kOperations: weights.push_back(10); break;
      case SectionType::kTensors: weights.push_back(5); break;
      case SectionType::kMetadata: weights.push_back(4); break;
      default: weights.push_back(1); break;
    }
  }
  return std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng);
}

void MutateBytes(std::string* bytes, size_t max_size) {
  const size_t size = bytes->size();
  const size_t cap = std::max<size_t>(size + 64, std::min(max_size, 2 * size));
  bytes->resize(cap);
  const size_t n = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(bytes->data()), size, cap);
  bytes->resize(n);
}

void Edit(std::vector<Section>* sections, size_t max_size, std::minstd_rand& rng) {
  if (sections->empty()) return;
  const int what = std::uniform_int_distribution<int>(0, 99)(rng);
  if (what < 4) {  // the section list: drop, duplicate or swap
    const size_t i = std::uniform_int_distribution<size_t>(0, sections->size() - 1)(rng);
    const size_t j = std::uniform_int_distribution<size_t>(0, sections->size() - 1)(rng);
    if (what == 0) sections->erase(sections->begin() + static_cast<std::ptrdiff_t>(i));
    if (what == 1) sections->push_back((*sections)[i]);
    if (what >= 2) std::swap((*sections)[i], (*sections)[j]);
    return;
  }
  Section& s = (*sections)[PickSection(*sections, rng)];
  std::unique_ptr<google::protobuf::Message> message = MessageFor(s.type);
  if (message != nullptr && what < 90 && message->ParseFromString(s.bytes)) {
    if (kpu::fuzz::MutateMessage(message.get(), rng)) s.bytes = kpu::SerializeDeterministic(*message);
    return;
  }
  MutateBytes(&s.bytes, max_size);
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  auto decoded = kpu::DecodeContainer(std::string(reinterpret_cast<const char*>(data), size));
  if (!decoded.ok()) decoded = kpu::DecodeContainer(SeedProgram());
  if (!decoded.ok()) kpu::fuzz::Fail("the seed program decodes");
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<Section> sections = *decoded;
    const int edits = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int e = 0; e < edits; ++e) Edit(&sections, max_size, rng);
    const std::string out = kpu::EncodeContainer(sections);
    if (out.size() <= max_size) {
      std::memcpy(data, out.data(), out.size());
      return out.size();
    }
  }
  return size;  // every attempt grew past max_size: leave the input as it was
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kpu::fuzz::RunProgramBytes(data, size);
  return 0;
}
