// A compiled program in memory: the protobuf sections plus the raw weights section.
#ifndef KPU_IR_PROGRAM_H_
#define KPU_IR_PROGRAM_H_

#include <string>

#include "kpu/ir/program.pb.h"

namespace kpu {

struct Program {
  ir::KPUProgram proto;
  std::string weights;  // tensors of kind WEIGHT at their weight_offset
};

}  // namespace kpu

#endif  // KPU_IR_PROGRAM_H_
