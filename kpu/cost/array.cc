#include "kpu/cost/array.h"

#include "absl/strings/str_cat.h"

namespace kpu::cost {
namespace {

uint64_t CeilDivU(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

absl::Status CheckPositive(const char* what, int64_t v) {
  if (v <= 0) return absl::InvalidArgumentError(absl::StrCat(what, " must be positive, got ", v));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t out;
  if (__builtin_mul_overflow(a, b, &out)) {
    return absl::OutOfRangeError(absl::StrCat("cost arithmetic overflows 64 bits: ", a, " * ", b));
  }
  return out;
}

absl::StatusOr<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t out;
  if (__builtin_add_overflow(a, b, &out)) {
    return absl::OutOfRangeError(absl::StrCat("cost arithmetic overflows 64 bits: ", a, " + ", b));
  }
  return out;
}

std::string DataflowShortName(Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary: return "os";
    case Dataflow::kWeightStationary: return "ws";
    case Dataflow::kInputStationary: return "is";
  }
  return "?";
}

absl::StatusOr<Dataflow> ParseDataflow(const std::string& name) {
  if (name == "os" || name == "output-stationary" || name == "OUTPUT_STATIONARY") return Dataflow::kOutputStationary;
  if (name == "ws" || name == "weight-stationary" || name == "WEIGHT_STATIONARY") return Dataflow::kWeightStationary;
  if (name == "is" || name == "input-stationary" || name == "INPUT_STATIONARY") return Dataflow::kInputStationary;
  return absl::InvalidArgumentError(absl::StrCat("unknown dataflow '", name, "' (expected os, ws or is)"));
}

ArrayMapping MapGemm(const Gemm& g, Dataflow d) {
  switch (d) {
    case Dataflow::kOutputStationary: return {g.m, g.n, g.k};
    case Dataflow::kWeightStationary: return {g.k, g.n, g.m};
    case Dataflow::kInputStationary: return {g.k, g.m, g.n};
  }
  return {};
}

uint64_t FoldOverheadCycles(Dataflow d, const ArrayShape& a) {
  const uint64_t r = a.rows, c = a.cols;
  return d == Dataflow::kOutputStationary ? r + c - 2 : 2 * r + c - 2;
}

uint64_t FoldCycles(Dataflow d, const ArrayShape& a, int64_t t) {
  return static_cast<uint64_t>(t) + FoldOverheadCycles(d, a);
}

absl::StatusOr<uint64_t> Folds(const ArrayMapping& m, const ArrayShape& a) {
  for (auto [what, v] : {std::pair<const char*, int64_t>{"array rows", a.rows}, {"array cols", a.cols},
                         {"spatial rows of the GEMM", m.sr}, {"spatial cols of the GEMM", m.sc},
                         {"temporal extent of the GEMM", m.t}}) {
    if (absl::Status s = CheckPositive(what, v); !s.ok()) return s;
  }
  return CheckedMul(CeilDivU(m.sr, a.rows), CeilDivU(m.sc, a.cols));
}

absl::StatusOr<uint64_t> GemmComputeCycles(const Gemm& g, Dataflow d, const ArrayShape& a) {
  const ArrayMapping m = MapGemm(g, d);
  absl::StatusOr<uint64_t> folds = Folds(m, a);
  if (!folds.ok()) return folds.status();
  absl::StatusOr<uint64_t> per_fold = CheckedAdd(m.t, FoldOverheadCycles(d, a));
  if (!per_fold.ok()) return per_fold.status();
  return CheckedMul(*folds, *per_fold);
}

absl::StatusOr<uint64_t> ScaleSimReportedCycles(const Gemm& g, Dataflow d, const ArrayShape& a) {
  absl::StatusOr<uint64_t> cycles = GemmComputeCycles(g, d, a);
  if (!cycles.ok()) return cycles.status();
  return *cycles - 1;  // at least one fold of at least one cycle, so never below zero
}

absl::StatusOr<GroupedGemm> ConvAsGemm(const Conv& c) {
  for (auto [what, v] : {std::pair<const char*, int64_t>{"batch", c.batch}, {"channels", c.channels},
                         {"input height", c.height}, {"input width", c.width}, {"filters", c.filters},
                         {"filter height", c.filter_h}, {"filter width", c.filter_w}, {"stride height", c.stride_h},
                         {"stride width", c.stride_w}, {"dilation height", c.dilation_h},
                         {"dilation width", c.dilation_w}, {"groups", c.groups}}) {
    if (absl::Status s = CheckPositive(what, v); !s.ok()) return s;
  }
  for (int64_t p : {c.pad_top, c.pad_left, c.pad_bottom, c.pad_right}) {
    if (p < 0) return absl::InvalidArgumentError(absl::StrCat("padding must not be negative, got ", p));
  }
  if (c.channels % c.groups != 0 || c.filters % c.groups != 0) {
    return absl::InvalidArgumentError(absl::StrCat("groups (", c.groups, ") must divide both channels (", c.channels,
                                                   ") and filters (", c.filters, ")"));
  }
  // Sizes beyond 2^40 per dimension are not real layers; bounding them keeps the products below in range.
  constexpr int64_t kMaxDim = int64_t{1} << 40;
  for (int64_t v : {c.batch, c.channels, c.height, c.width, c.filters, c.filter_h, c.filter_w, c.pad_top, c.pad_left,
                    c.pad_bottom, c.pad_right, c.dilation_h, c.dilation_w}) {
    if (v > kMaxDim) return absl::OutOfRangeError(absl::StrCat("convolution size ", v, " is beyond 2^40"));
  }
  const int64_t span_h = c.dilation_h * (c.filter_h - 1) + 1, span_w = c.dilation_w * (c.filter_w - 1) + 1;
  const int64_t in_h = c.height + c.pad_top + c.pad_bottom, in_w = c.width + c.pad_left + c.pad_right;
  if (span_h > in_h || span_w > in_w) {
    return absl::InvalidArgumentError(absl::StrCat("filter window ", span_h, "x", span_w,
                                                   " is larger than the padded input ", in_h, "x", in_w));
  }
  GroupedGemm g;
  g.out_h = (in_h - span_h) / c.stride_h + 1;
  g.out_w = (in_w - span_w) / c.stride_w + 1;
  absl::StatusOr<uint64_t> pixels = CheckedMul(g.out_h, g.out_w);
  if (pixels.ok()) pixels = CheckedMul(*pixels, c.batch);
  absl::StatusOr<uint64_t> k = CheckedMul(c.filter_h, c.filter_w);
  if (k.ok()) k = CheckedMul(*k, c.channels / c.groups);
  if (!pixels.ok()) return pixels.status();
  if (!k.ok()) return k.status();
  if (*pixels > static_cast<uint64_t>(INT64_MAX) || *k > static_cast<uint64_t>(INT64_MAX)) {
    return absl::OutOfRangeError("convolution GEMM dimensions overflow 63 bits");
  }
  g.gemm = {static_cast<int64_t>(*pixels), c.filters / c.groups, static_cast<int64_t>(*k)};
  g.count = c.groups;
  return g;
}

}  // namespace kpu::cost
