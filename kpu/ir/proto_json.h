// The two forms every IR message travels in: protobuf binary and the protobuf JSON mapping.
#ifndef KPU_IR_PROTO_JSON_H_
#define KPU_IR_PROTO_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace kpu {

// JSON when the first non-blank byte is '{', else protobuf binary. Errors name `what`.
absl::Status ParseJsonOrBinary(const std::string& bytes, const std::string& what, google::protobuf::Message* out);

// Indented JSON with the .proto field names. `print_defaults` also prints zero values, which
// for enums like EXTERNAL, LOAD and MATMUL_TILE would otherwise be left out.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool print_defaults);

}  // namespace kpu

#endif  // KPU_IR_PROTO_JSON_H_
