// Graphs for tests: the seed-000 MNIST MLP and small single-op graphs, with deterministic data.
#ifndef KPU_TESTING_TEST_GRAPHS_H_
#define KPU_TESTING_TEST_GRAPHS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"

namespace kpu::testing {

// Deterministic values in [-scale, scale).
std::vector<float> RandomValues(size_t n, float scale, uint32_t seed);

void AddInput(ir::Graph* g, const std::string& name, std::vector<int64_t> shape);
void AddConstant(ir::Graph* g, const std::string& name, std::vector<int64_t> shape, const std::vector<float>& values);
ir::Node* AddNode(ir::Graph* g, const std::string& op, std::vector<std::string> inputs, const std::string& output);

// `config` with one L1 buffer of `bytes`: small enough to force the tilings that split K, rows or
// channels, and the memory errors when nothing fits.
ir::KPUConfig WithL1Bytes(ir::KPUConfig config, uint64_t bytes);

// Linear(784,128) -> ReLU -> Linear(128,64) -> ReLU -> Linear(64,10) -> Softmax on input "x"
// [batch, 784], output "probs".
ir::Graph MnistMlp(int64_t batch, uint32_t seed = 1);

// A small CNN [batch, 3, 16, 16] -> [batch, 10]: conv-relu, a residual block, max pool, a depthwise
// and a plain conv, global average pool and a linear head.
ir::Graph SmallCnn(int64_t batch);

}  // namespace kpu::testing

#endif  // KPU_TESTING_TEST_GRAPHS_H_
