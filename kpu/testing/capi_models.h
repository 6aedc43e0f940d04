// Small models built through kpu.h alone, the way a C caller builds them, with the inputs to run
// them on: for tests that exercise the C ABI across threads and processes.
#ifndef KPU_TESTING_CAPI_MODELS_H_
#define KPU_TESTING_CAPI_MODELS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kpu/c_api/kpu.h"

namespace kpu::testing {

struct CapiModel {
  std::string name;
  kpu_graph* graph = nullptr;  // owned: kpu_graph_destroy
  std::string input = "x";
  std::vector<int64_t> input_dims;
  std::string output;
  size_t output_elements = 0;
};

// Linear(in, hidden) -> ReLU -> Linear(hidden, out) -> Softmax on "x" [batch, in], output "probs".
CapiModel CapiMlp(int64_t batch, int64_t in, int64_t hidden, int64_t out, uint32_t seed);

// conv3x3(3->c1)+ReLU -> max_pool 2x2 -> conv3x3(c1->c2)+ReLU -> flatten -> Linear(10) -> Softmax
// on "x" [1, 3, side, side], output "probs".
CapiModel CapiCnn(int64_t side, int64_t c1, int64_t c2, uint32_t seed);

// Deterministic float inputs in [-1, 1): the same `seed` gives the same values on every run.
std::vector<float> CapiInput(const CapiModel& model, uint32_t seed);

}  // namespace kpu::testing

#endif  // KPU_TESTING_CAPI_MODELS_H_
