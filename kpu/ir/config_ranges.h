// Physical ranges for every numeric field of a KPUConfig. "> 0" is not enough: a DRAM bandwidth of
// 1e-300 GB/s or a denormal one passes it and then overflows the float-to-integer casts of the
// tiler and the timing model (issue 6). Each field gets a range wide enough for any device we
// could model (a microcontroller to a datacenter part) and narrow enough that the cost model's
// arithmetic stays finite.
#ifndef KPU_IR_CONFIG_RANGES_H_
#define KPU_IR_CONFIG_RANGES_H_

#include "absl/status/status.h"
#include "kpu/ir/config.pb.h"

namespace kpu {

// OK, or an error naming the first field outside its range, its value and the range:
// "KPU config 'x': memory[EXTERNAL].bandwidth_gbps = 1e-300 is outside [0.001, 1e+07] GB/s".
absl::Status CheckConfigRanges(const ir::KPUConfig& config);

}  // namespace kpu

#endif  // KPU_IR_CONFIG_RANGES_H_
