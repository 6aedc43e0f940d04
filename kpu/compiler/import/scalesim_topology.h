// SCALE-Sim topology CSVs, so anyone can rerun a SCALE-Sim comparison on our cost model.
//
//   conv form: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
//   gemm form: Layer, M, N, K,
//
// The first line is the header and says the form. SCALE-Sim models no padding: a conv's IFMAP
// size is the extent the conv reads. Errors name the source, line and column.
//
// No protobuf here: kpu-kernel-compiler links it beside libkpu.so. scalesim_graph.h turns a
// topology into a kpu Graph.
#ifndef KPU_COMPILER_IMPORT_SCALESIM_TOPOLOGY_H_
#define KPU_COMPILER_IMPORT_SCALESIM_TOPOLOGY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kpu/cost/array.h"

namespace kpu::compiler {

struct ScaleSimLayer {
  std::string name;
  int line = 0;  // 1-based, in the source
  // Conv form.
  int64_t ifmap_h = 0, ifmap_w = 0, filter_h = 0, filter_w = 0, channels = 0, filters = 0, stride = 1;
  // Gemm form.
  int64_t m = 0, n = 0, k = 0;
};

struct ScaleSimTopology {
  enum class Form { kConv, kGemm };
  Form form = Form::kConv;
  std::vector<ScaleSimLayer> layers;
};

// The text is hostile input: bounded in size and layers, every value at most 2^40.
inline constexpr size_t kMaxScaleSimTopologyBytes = size_t{16} << 20;
inline constexpr size_t kMaxScaleSimLayers = 1024;  // ResNet-152 has 155 convs; 1024 small GEMMs compile in 1.5 s

// `source` names the text in errors (a file name).
absl::StatusOr<ScaleSimTopology> ParseScaleSimTopology(const std::string& text, const std::string& source);

// The layer as SCALE-Sim sees it: a conv's im2col GEMM (M = output pixels, K = FH * FW * C,
// N = filters), or the GEMM itself. Errors name the layer and its line.
absl::StatusOr<cost::GroupedGemm> LayerGemm(const ScaleSimTopology& topology, const ScaleSimLayer& layer);

}  // namespace kpu::compiler

#endif  // KPU_COMPILER_IMPORT_SCALESIM_TOPOLOGY_H_
