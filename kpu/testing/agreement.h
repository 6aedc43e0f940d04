// The interpreter-agreement harness (decision 2) the cross-layer tests share: compile a graph, run
// it on the fast path, the tile interpreter and the reordered interpreter, compare them and plain
// double-precision references.
#ifndef KPU_TESTING_AGREEMENT_H_
#define KPU_TESTING_AGREEMENT_H_

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "kpu/ir/config.pb.h"
#include "kpu/ir/graph.pb.h"
#include "kpu/ir/metrics.pb.h"
#include "kpu/ir/program.pb.h"
#include "kpu/ir/shape.h"

namespace kpu::testing {

struct RunResult {
  std::vector<float> fast, interpreted, reordered;
  ir::KPUPerformanceMetrics metrics;
  // The dataflow each array op (matmul, conv2d) was lowered in.
  std::vector<ir::Dataflow> dataflows;
  // The compiled program (without its weights section).
  ir::KPUProgram program;
};

// How many DFX regions of `program` are stored NHWC: the agreement tests on convs say that their
// tiles really were channels-innermost.
int64_t NhwcRegions(const ir::KPUProgram& program);

// Compiles `g` (in `dataflow`, AUTO when unspecified), runs all three engines on `inputs` (one per
// graph input, in order) and expects the two interpreter orders to give identical values. With
// `interpret` false only the fast path runs.
RunResult CompileAndRunAll(const ir::Graph& g, const ir::KPUConfig& config,
                           const std::vector<std::vector<float>>& inputs,
                           ir::Dataflow dataflow = ir::DATAFLOW_UNSPECIFIED, bool interpret = true);

// Max abs difference within 2e-5 of the reference's magnitude (fp32 sums in another order).
void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, const std::string& what);

// y = A x B + bias, then relu, computed in double.
std::vector<float> MatmulRef(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& bias,
                             int64_t m, int64_t k, int64_t n, bool relu);

// torch.matmul(A, B) in double, batch dims broadcasting (A[..., M, K], B[..., K, N]); `out_shape`
// gets the output's shape.
std::vector<float> BatchedMatmulRef(const std::vector<float>& a, const Shape& as, const std::vector<float>& b,
                                    const Shape& bs, Shape* out_shape);

// (A, B) shapes of batched matmuls that broadcast: bmm, rank-mismatched operands, size-1 batch
// dims on either side, B batched with A not, row and column tiles and a K split on small arrays.
std::vector<std::pair<Shape, Shape>> BroadcastMatmulShapes();

// conv2d in double: x [N, C, H, W], w [OC, C/g, KH, KW], padding top, left, bottom, right; then
// the residual and the activation (none, relu, relu6, silu).
std::vector<float> ConvRef(const std::vector<float>& x, const Shape& xs, const std::vector<float>& w, const Shape& ws,
                           const std::vector<float>& bias, const std::vector<float>& residual, int64_t sh, int64_t sw,
                           std::array<int64_t, 4> pad, int64_t dh, int64_t dw, int64_t groups,
                           const std::string& act, Shape* out_shape);

// A conv case of the agreement tests: its graph (x, constant w and b, input res when residual)
// and the reference output.
struct ConvCase {
  std::string what;
  Shape x, w;
  int64_t sh, sw;
  std::array<int64_t, 4> pad;
  int64_t dh, dw, groups;
  bool bias, residual;
  std::string act;
};
// Every conv variant the CNNs use.
std::vector<ConvCase> ConvVariants();
// Builds the case's graph; `feeds` gets its inputs, `ref` the reference output.
ir::Graph ConvCaseGraph(const ConvCase& c, std::vector<std::vector<float>>* feeds, std::vector<float>* ref);

}  // namespace kpu::testing

#endif  // KPU_TESTING_AGREEMENT_H_
