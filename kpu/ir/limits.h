// The sizes the toolchain accepts, in one place, so the compiler never produces a program the
// runtime must refuse (issue 6: the compiler took [100000, 100000, 100], which no runtime loads).
// Both sides call CheckTensorSize and so say the same words.
#ifndef KPU_IR_LIMITS_H_
#define KPU_IR_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/repeated_field.h"
#include "kpu/ir/graph.pb.h"

namespace kpu {

// The largest tensor (bytes): far above any model the KPU presets hold, small enough that sums of
// a few tensors and offsets into an arena never wrap 64 bits.
constexpr uint64_t kMaxTensorBytes = uint64_t{8} << 30;
// The largest rank (KPU_MAX_RANK in kpu.h).
constexpr int kMaxTensorRank = 8;

// The tensor's byte size, or an error naming it when a dimension is not positive, the rank is too
// large, or the size passes kMaxTensorBytes (checked without overflow).
absl::StatusOr<uint64_t> CheckTensorSize(const std::string& name, ir::DataType dtype,
                                         const google::protobuf::RepeatedField<int64_t>& shape);

}  // namespace kpu

#endif  // KPU_IR_LIMITS_H_
