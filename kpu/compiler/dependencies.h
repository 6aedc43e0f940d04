// Dependencies of a DFX kernel derived from the buffers its ops touch (ARCHITECTURE.md decision 9).
#ifndef KPU_COMPILER_DEPENDENCIES_H_
#define KPU_COMPILER_DEPENDENCIES_H_

#include "kpu/compiler/dfx_builder.h"

namespace kpu::compiler {

// Adds to every DataMove and Compute of `ops` the edges its buffers imply: a read waits for the
// last write of that buffer (level, tensor), a write for the last write and every read since,
// including those of the previous loop iteration. Where both ends use the same double-buffer slot
// variable, the cross-iteration edge is carried `slot_count` iterations back instead of one, so
// the refill of one slot overlaps the compute on the other. An engine that honours these edges
// may run the ops in any order and compute the same values.
void DeriveDependencies(DfxList* ops);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_DEPENDENCIES_H_
