#include "kpu/ir/proto_json.h"

#include "absl/strings/str_cat.h"
#include <memory>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "kpu/ir/errors.h"
#include "kpu/ir/object_format.h"

namespace kpu {

absl::Status ParseJsonOrBinary(const std::string& bytes, const std::string& what, google::protobuf::Message* out) {
  const size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && bytes[first] == '{') {
    auto status = google::protobuf::util::JsonStringToMessage(bytes, out);
    if (!status.ok()) {
      return InvalidArgumentError(absl::StrCat(what, " JSON is not valid: ", status.message().as_string()));
    }
    return absl::OkStatus();
  }
  if (!out->ParseFromString(bytes)) {
    return InvalidArgumentError(absl::StrCat(what, " is neither valid JSON nor a valid protobuf ",
                                             out->GetDescriptor()->name()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = print_defaults;
  // MessageToJsonString prints map fields (attributes, tile sizes) in hash-table order, which
  // protobuf seeds differently in every process and every map, so the same program printed
  // differently run to run. It is a wrapper over BinaryToJsonString on the message's bytes; given
  // deterministic bytes (map entries in key order) instead, the JSON is the same every time.
  constexpr char kTypeUrlPrefix[] = "type.googleapis.com";
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver(
      google::protobuf::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix, type->file()->pool()));
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver.get(), absl::StrCat(kTypeUrlPrefix, "/", type->full_name()), SerializeDeterministic(message), &json,
      options);
  if (!status.ok()) return MakeError(ErrorKind::kInternal, status.message().as_string());
  return json;
}

}  // namespace kpu
