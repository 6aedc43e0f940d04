// Cycles of the systolic array per dataflow, in SCALE-Sim's fold model (ARCHITECTURE.md,
// reference numbers). A GEMM C[M,N] = A[M,K] x B[K,N] maps onto an R x C array as two spatial
// dimensions (Sr along the rows, Sc along the columns) and one temporal dimension T:
//   output stationary (OS): (Sr, Sc, T) = (M, N, K), T + R + C - 2 cycles per fold;
//   weight stationary (WS): (Sr, Sc, T) = (K, N, M), 2R + C + T - 2 cycles per fold;
//   input stationary  (IS): (Sr, Sc, T) = (K, M, N), 2R + C + T - 2 cycles per fold;
// folds = ceil(Sr / R) * ceil(Sc / C).
//
// This file needs no protobuf on purpose: the command-line tools link it beside libkpu.so,
// which carries its own copy of the generated protobuf code.
#ifndef KPU_COST_ARRAY_H_
#define KPU_COST_ARRAY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace kpu::cost {

enum class Dataflow { kOutputStationary, kWeightStationary, kInputStationary };

// "os", "ws", "is".
std::string DataflowShortName(Dataflow dataflow);
absl::StatusOr<Dataflow> ParseDataflow(const std::string& name);  // os|ws|is or the long names

struct Gemm {
  int64_t m = 0, n = 0, k = 0;
};

struct ArrayShape {
  int64_t rows = 0, cols = 0;
};

struct ArrayMapping {
  int64_t sr = 0;  // spatial, along the array's rows
  int64_t sc = 0;  // spatial, along the array's columns
  int64_t t = 0;   // temporal: operands streamed through each fold
};

ArrayMapping MapGemm(const Gemm& gemm, Dataflow dataflow);

// Cycles a fold spends besides streaming T: filling and draining the array (R + C - 2 for OS)
// and, for WS and IS, preloading the stationary operand (R more).
uint64_t FoldOverheadCycles(Dataflow dataflow, const ArrayShape& array);
// Cycles of one fold that streams `t` operands.
uint64_t FoldCycles(Dataflow dataflow, const ArrayShape& array, int64_t t);

// ceil(Sr / R) * ceil(Sc / C); errors on non-positive sizes or overflow.
absl::StatusOr<uint64_t> Folds(const ArrayMapping& mapping, const ArrayShape& array);

// folds * FoldCycles: the cycles the array is busy with a whole GEMM.
absl::StatusOr<uint64_t> GemmComputeCycles(const Gemm& gemm, Dataflow dataflow, const ArrayShape& array);

// The `Total Cycles` column SCALE-Sim 3.0 reports for a layer: one less than the cycles it
// simulates, because it numbers cycles from 0.
absl::StatusOr<uint64_t> ScaleSimReportedCycles(const Gemm& gemm, Dataflow dataflow, const ArrayShape& array);

// A convolution seen as GEMMs (im2col): M = output pixels (N * OH * OW), K = FH * FW * C / groups,
// N = filters / groups, one GEMM per group.
struct Conv {
  int64_t batch = 1, channels = 0, height = 0, width = 0;  // input, before padding
  int64_t filters = 0, filter_h = 0, filter_w = 0;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
};

struct GroupedGemm {
  Gemm gemm;          // one group's GEMM
  int64_t count = 1;  // how many such GEMMs (the groups)
  int64_t out_h = 0, out_w = 0;
};

// Errors name the parameter that makes no sense (a filter larger than the padded input, groups
// that do not divide the channels, a zero stride).
absl::StatusOr<GroupedGemm> ConvAsGemm(const Conv& conv);

// Overflow-checked helpers for the cost model.
absl::StatusOr<uint64_t> CheckedMul(uint64_t a, uint64_t b);
absl::StatusOr<uint64_t> CheckedAdd(uint64_t a, uint64_t b);

}  // namespace kpu::cost

#endif  // KPU_COST_ARRAY_H_
