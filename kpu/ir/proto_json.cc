#include "kpu/ir/proto_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "kpu/ir/errors.h"

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
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return MakeError(ErrorKind::kInternal, status.message().as_string());
  return json;
}

}  // namespace kpu
