// A SCALE-Sim topology as a kpu Graph, so its layers compile and run like any model: each conv
// layer a `conv2d` node (input [1, C, H, W] with H, W the IFMAP size, weight [F, C, FH, FW] a
// constant, stride on both axes, no padding), each GEMM a `matmul` node (A [M, K] an input,
// B [K, N] a constant). Layers are independent: each has its own input and output.
#ifndef KPU_COMPILER_IMPORT_SCALESIM_GRAPH_H_
#define KPU_COMPILER_IMPORT_SCALESIM_GRAPH_H_

#include <string>

#include "absl/status/statusor.h"
#include "kpu/compiler/import/scalesim_topology.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::compiler {

// Tensors of layer L: "L.input", "L.weight", "L.output". Weights are deterministic pseudo-random
// values in [-0.1, 0.1) (a topology has none); more than 2^28 weight elements in all, or a
// tensor of more than 2^63 bytes, is an error naming the layer and its line.
absl::StatusOr<ir::Graph> ScaleSimTopologyToGraph(const ScaleSimTopology& topology, const std::string& name);

// Parse and convert in one step; errors name the source, the line (and column) and the layer.
absl::StatusOr<ir::Graph> ImportScaleSimTopology(const std::string& text, const std::string& source);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_IMPORT_SCALESIM_GRAPH_H_
