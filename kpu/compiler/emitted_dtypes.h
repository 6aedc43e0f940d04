// The element types the compiler emits programs in. The runtime below it is dtype-generic
// (decision 11) and the registry may declare more dtypes per op, but tiling, lowering and the
// program's estimates are fp32 in this release (issue 5): a graph with a tensor of another dtype
// gets an error naming the node, its op and the dtype, never a program that computes in fp32.
#ifndef KPU_COMPILER_EMITTED_DTYPES_H_
#define KPU_COMPILER_EMITTED_DTYPES_H_

#include "absl/status/status.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::compiler {

bool CompilerEmits(ir::DataType dtype);

// Every tensor a node reads or writes (`graph` inferred) has a dtype the compiler emits.
absl::Status CheckEmittedDtypes(const ir::Graph& graph);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_EMITTED_DTYPES_H_
