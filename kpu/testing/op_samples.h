// One small graph per registry op, the op alone on fp32 graph inputs (weights and statistics as
// constants), shared by the tests that walk the registry: tests/op_coverage_test.cc (every layer
// knows every (op, dtype)) and tests/estimate_agreement_test.cc (the compiler's estimate of every
// op equals the analytical result). When you register an op, add its sample to op_samples.cc;
// both tests fail until you do. Shapes are large enough that the smallest preset's L1 splits
// them into several tiles.
#ifndef KPU_TESTING_OP_SAMPLES_H_
#define KPU_TESTING_OP_SAMPLES_H_

#include <string>
#include <vector>

#include "kpu/ir/graph.pb.h"

namespace kpu::testing {

// The sample graph of registry op `op`, or null when op_samples.cc has none.
const ir::Graph* OpSample(const std::string& op);

// Every op with a sample, sorted.
std::vector<std::string> SampledOps();

// `graph` with every tensor declared `from` (graph inputs and constants) declared `to` instead;
// constants are re-encoded as zeros of `to`'s size, so the graph is well formed and only its
// dtype is new.
ir::Graph Retyped(const ir::Graph& graph, ir::DataType to, ir::DataType from = ir::FLOAT32);

}  // namespace kpu::testing

#endif  // KPU_TESTING_OP_SAMPLES_H_
