#include "tests/fuzz/proto_mutator.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace kpu::fuzz {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A place to edit: one field of one message, and for a repeated field one element of it
// (index >= 0) or the list as a whole (index == -1).
struct Site {
  Message* message;
  const FieldDescriptor* field;
  int index;
};

struct Tree {
  std::vector<Site> sites;
  std::vector<std::string> strings;  // every string value, for plausible renames
  std::vector<Message*> messages;    // every message, to copy one over another of its type
};

void Collect(Message* m, Tree* tree, int depth) {
  // Programs nest TileLoops a few levels deep; a mutated input that nests deeper is still walked
  // only this far, which keeps one mutation's cost bounded.
  if (depth > 24) return;
  tree->messages.push_back(m);
  const Reflection* r = m->GetReflection();
  const auto* d = m->GetDescriptor();
  for (int f = 0; f < d->field_count(); ++f) {
    const FieldDescriptor* field = d->field(f);
    if (field->is_repeated()) {
      tree->sites.push_back({m, field, -1});
      const int n = r->FieldSize(*m, field);
      for (int i = 0; i < n; ++i) {
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          Collect(r->MutableRepeatedMessage(m, field, i), tree, depth + 1);
        } else {
          tree->sites.push_back({m, field, i});
          if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            tree->strings.push_back(r->GetRepeatedString(*m, field, i));
          }
        }
      }
      continue;
    }
    tree->sites.push_back({m, field, -1});
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (r->HasField(*m, field)) Collect(r->MutableMessage(m, field), tree, depth + 1);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      tree->strings.push_back(r->GetString(*m, field));
    }
  }
}

template <typename T>
T Pick(const std::vector<T>& v, std::minstd_rand& rng) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

int64_t NewInt(int64_t v, std::minstd_rand& rng) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  const std::vector<int64_t> interesting = {
      0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 255, 256, 4096, 65535, 65536,
      std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), int64_t{1} << 31,
      int64_t{1} << 32, (int64_t{1} << 32) - 1, int64_t{1} << 40, int64_t{1} << 62, kMax, kMin};
  switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
    case 0: return Pick(interesting, rng);
    case 1: return static_cast<int64_t>(static_cast<uint64_t>(v) + 1);
    case 2: return static_cast<int64_t>(static_cast<uint64_t>(v) - 1);
    case 3: return static_cast<int64_t>(static_cast<uint64_t>(v) * 2);
    case 4: return v / 2;
    case 5: return static_cast<int64_t>(0 - static_cast<uint64_t>(v));
    case 6: return static_cast<int64_t>(static_cast<uint64_t>(v) + std::uniform_int_distribution<int>(-16, 16)(rng));
    default: return static_cast<int64_t>((static_cast<uint64_t>(rng()) << 32) ^ rng());
  }
}

double NewDouble(double v, std::minstd_rand& rng) {
  const std::vector<double> interesting = {0.0,
                                           -0.0,
                                           1.0,
                                           -1.0,
                                           std::numeric_limits<double>::quiet_NaN(),
                                           std::numeric_limits<double>::infinity(),
                                           -std::numeric_limits<double>::infinity(),
                                           1e-300,
                                           1e300,
                                           std::numeric_limits<float>::max(),
                                           std::numeric_limits<double>::denorm_min(),
                                           v * 2,
                                           v / 2,
                                           -v,
                                           v + 1};
  return Pick(interesting, rng);
}

std::string NewString(const std::string& v, const Tree& tree, std::minstd_rand& rng) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: return "";
    case 1: return v + "_";
    case 2: return v.empty() ? v : v.substr(0, v.size() - 1);
    default: return tree.strings.empty() ? v : Pick(tree.strings, rng);
  }
}

int NewEnum(const FieldDescriptor* field, int v, std::minstd_rand& rng) {
  const auto* e = field->enum_type();
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0: return e->value(std::uniform_int_distribution<int>(0, e->value_count() - 1)(rng))->number();
    case 1: return -1;
    case 2: return e->value(e->value_count() - 1)->number() + 1;  // one past what the schema lists
    default: return v + 1;
  }
}

void MutateScalar(const Site& s, const Tree& tree, std::minstd_rand& rng) {
  Message* m = s.message;
  const Reflection* r = m->GetReflection();
  const FieldDescriptor* f = s.field;
  const bool rep = s.index >= 0;
  const int i = s.index;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      const auto v = static_cast<int32_t>(NewInt(rep ? r->GetRepeatedInt32(*m, f, i) : r->GetInt32(*m, f), rng));
      rep ? r->SetRepeatedInt32(m, f, i, v) : r->SetInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v = NewInt(rep ? r->GetRepeatedInt64(*m, f, i) : r->GetInt64(*m, f), rng);
      rep ? r->SetRepeatedInt64(m, f, i, v) : r->SetInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const auto v = static_cast<uint32_t>(NewInt(rep ? r->GetRepeatedUInt32(*m, f, i) : r->GetUInt32(*m, f), rng));
      rep ? r->SetRepeatedUInt32(m, f, i, v) : r->SetUInt32(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const auto old = static_cast<int64_t>(rep ? r->GetRepeatedUInt64(*m, f, i) : r->GetUInt64(*m, f));
      const auto v = static_cast<uint64_t>(NewInt(old, rng));
      rep ? r->SetRepeatedUInt64(m, f, i, v) : r->SetUInt64(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v = NewDouble(rep ? r->GetRepeatedDouble(*m, f, i) : r->GetDouble(*m, f), rng);
      rep ? r->SetRepeatedDouble(m, f, i, v) : r->SetDouble(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const auto v = static_cast<float>(NewDouble(rep ? r->GetRepeatedFloat(*m, f, i) : r->GetFloat(*m, f), rng));
      rep ? r->SetRepeatedFloat(m, f, i, v) : r->SetFloat(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool v = !(rep ? r->GetRepeatedBool(*m, f, i) : r->GetBool(*m, f));
      rep ? r->SetRepeatedBool(m, f, i, v) : r->SetBool(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = NewEnum(f, rep ? r->GetRepeatedEnumValue(*m, f, i) : r->GetEnumValue(*m, f), rng);
      rep ? r->SetRepeatedEnumValue(m, f, i, v) : r->SetEnumValue(m, f, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v = NewString(rep ? r->GetRepeatedString(*m, f, i) : r->GetString(*m, f), tree, rng);
      rep ? r->SetRepeatedString(m, f, i, std::move(v)) : r->SetString(m, f, std::move(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
}

// Adds an element to a repeated field: a copy of one already there, or a default one.
void AddElement(Message* m, const FieldDescriptor* f, std::minstd_rand& rng) {
  const Reflection* r = m->GetReflection();
  const int n = r->FieldSize(*m, f);
  const int from = n > 0 ? std::uniform_int_distribution<int>(0, n - 1)(rng) : -1;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* added = r->AddMessage(m, f);
      if (from >= 0) added->CopyFrom(r->GetRepeatedMessage(*m, f, from));
      break;
    }
    case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(m, f, from >= 0 ? r->GetRepeatedInt32(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(m, f, from >= 0 ? r->GetRepeatedInt64(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_UINT32: r->AddUInt32(m, f, from >= 0 ? r->GetRepeatedUInt32(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(m, f, from >= 0 ? r->GetRepeatedUInt64(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: r->AddDouble(m, f, from >= 0 ? r->GetRepeatedDouble(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(m, f, from >= 0 ? r->GetRepeatedFloat(*m, f, from) : 1); break;
    case FieldDescriptor::CPPTYPE_BOOL: r->AddBool(m, f, from >= 0 && r->GetRepeatedBool(*m, f, from)); break;
    case FieldDescriptor::CPPTYPE_ENUM: r->AddEnumValue(m, f, from >= 0 ? r->GetRepeatedEnumValue(*m, f, from) : 0); break;
    case FieldDescriptor::CPPTYPE_STRING: r->AddString(m, f, from >= 0 ? r->GetRepeatedString(*m, f, from) : ""); break;
  }
}

void MutateList(const Site& s, std::minstd_rand& rng) {
  Message* m = s.message;
  const Reflection* r = m->GetReflection();
  const int n = r->FieldSize(*m, s.field);
  switch (std::uniform_int_distribution<int>(0, n > 1 ? 3 : 1)(rng)) {
    case 0:  // drop one element (an operand, a loop, a tensor, an edge)
      if (n > 0) {
        r->SwapElements(m, s.field, std::uniform_int_distribution<int>(0, n - 1)(rng), n - 1);
        r->RemoveLast(m, s.field);
      }
      break;
    case 1:
      AddElement(m, s.field, rng);
      break;
    case 2:  // reorder
      r->SwapElements(m, s.field, std::uniform_int_distribution<int>(0, n - 1)(rng),
                      std::uniform_int_distribution<int>(0, n - 1)(rng));
      break;
    default:
      r->ClearField(m, s.field);
      break;
  }
}

void MutateSubmessage(const Site& s, const Tree& tree, std::minstd_rand& rng) {
  Message* m = s.message;
  const Reflection* r = m->GetReflection();
  if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
    r->ClearField(m, s.field);
    return;
  }
  // Another message of the same type from elsewhere in the tree, e.g. one op's region in another's.
  std::vector<const Message*> same;
  for (const Message* other : tree.messages) {
    if (other->GetDescriptor() == s.field->message_type()) same.push_back(other);
  }
  if (same.empty()) {
    r->MutableMessage(m, s.field);  // present and empty
    return;
  }
  // Copied before MutableMessage: `from` may live inside `to`, or inside the member of a oneof that
  // setting `to` clears (a DfxOp's compute when `to` is its data_move).
  const Message* from = Pick(same, rng);
  std::unique_ptr<Message> copy(from->New());
  copy->CopyFrom(*from);
  r->MutableMessage(m, s.field)->CopyFrom(*copy);
}

}  // namespace

bool MutateMessage(Message* message, std::minstd_rand& rng) {
  Tree tree;
  Collect(message, &tree, 0);
  if (tree.sites.empty()) return false;
  const Site s = Pick(tree.sites, rng);
  if (s.field->is_repeated() && s.index < 0) {
    MutateList(s, rng);
  } else if (s.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    MutateSubmessage(s, tree, rng);
  } else {
    MutateScalar(s, tree, rng);
  }
  return true;
}

}  // namespace kpu::fuzz
