// Unary activations and binary arithmetic with broadcasting (fp32). Loops are plain and
// contiguous so the compiler vectorises them; broadcasting collapses dimensions first so the
// innermost loop is as long as the data allows.
#include <limits>
#include <vector>

#include "kpu/ir/errors.h"
#include "kpu/runtime/kernels/activation.h"
#include "kpu/runtime/kernels/all_kernels.h"
#include "kpu/runtime/kernels/kernel_util.h"

namespace kpu::runtime {

namespace {

bool HasAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

__attribute__((target("avx2"))) void SigmoidAvx2(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + VecExp(-x[i]));
}

__attribute__((target("avx2"))) void SiluAvx2(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + VecExp(-x[i]));
}

}  // namespace

void SigmoidLoop(const float* x, float* y, int64_t n) {
  ParallelFor(n, 8, [&](int64_t b, int64_t e) {
    if (HasAvx2()) return SigmoidAvx2(x + b, y + b, e - b);
    for (int64_t i = b; i < e; ++i) y[i] = Sigmoid(x[i]);
  });
}

void SiluLoop(const float* x, float* y, int64_t n) {
  ParallelFor(n, 8, [&](int64_t b, int64_t e) {
    if (HasAvx2()) return SiluAvx2(x + b, y + b, e - b);
    for (int64_t i = b; i < e; ++i) y[i] = Silu(x[i]);
  });
}

absl::Status ApplyActivation(const std::string& activation, float* y, int64_t n) {
  if (activation == "none") return absl::OkStatus();
  if (activation == "relu") {
    for (int64_t i = 0; i < n; ++i) y[i] = Relu(y[i]);
  } else if (activation == "relu6") {
    for (int64_t i = 0; i < n; ++i) y[i] = Relu6(y[i]);
  } else if (activation == "silu") {
    SiluLoop(y, y, n);
  } else if (activation == "hardswish") {
    for (int64_t i = 0; i < n; ++i) y[i] = Hardswish(y[i]);
  } else if (activation == "sigmoid") {
    SigmoidLoop(y, y, n);
  } else {
    return InvalidArgumentError(absl::StrCat("unknown epilogue activation '", activation, "'"));
  }
  return absl::OkStatus();
}

namespace {

// F is a lambda, so each op gets its own inlined, vectorisable loop (a function pointer would not).
template <typename F>
absl::Status Unary(const char* op, const KernelArgs& args, F f) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, args.inputs[0].shape));
  const float* x = args.inputs[0].as<float>();
  float* y = args.output().as<float>();
  const int64_t n = NumElements(args.output().shape);
  ParallelFor(n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
  });
  return absl::OkStatus();
}

absl::Status ReluF32(const KernelArgs& a) { return Unary("relu", a, [](float x) { return Relu(x); }); }
// The exp-based activations run through loops with an AVX2 variant.
template <void (*kLoop)(const float*, float*, int64_t)>
absl::Status UnaryLoop(const char* op, const KernelArgs& args) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 1, 1));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  KPU_RETURN_IF_ERROR(ExpectShape(op, "output", args.output().shape, args.inputs[0].shape));
  kLoop(args.inputs[0].as<float>(), args.output().as<float>(), NumElements(args.output().shape));
  return absl::OkStatus();
}

absl::Status SigmoidF32(const KernelArgs& a) { return UnaryLoop<SigmoidLoop>("sigmoid", a); }
absl::Status TanhF32(const KernelArgs& a) { return Unary("tanh", a, [](float x) { return std::tanh(x); }); }
absl::Status SiluF32(const KernelArgs& a) { return UnaryLoop<SiluLoop>("silu", a); }
absl::Status HardswishF32(const KernelArgs& a) { return Unary("hardswish", a, [](float x) { return Hardswish(x); }); }
absl::Status HardsigmoidF32(const KernelArgs& a) { return Unary("hardsigmoid", a, [](float x) { return Hardsigmoid(x); }); }

absl::Status HardtanhF32(const KernelArgs& a) {
  const float lo = static_cast<float>(GetFloat(a.attributes, "min_val", -1.0));
  const float hi = static_cast<float>(GetFloat(a.attributes, "max_val", 1.0));
  return Unary("hardtanh", a, [lo, hi](float x) { return std::min(std::max(x, lo), hi); });
}

absl::Status LeakyReluF32(const KernelArgs& a) {
  const float slope = static_cast<float>(GetFloat(a.attributes, "negative_slope", 0.01));
  return Unary("leaky_relu", a, [slope](float x) { return x > 0.0f ? x : x * slope; });
}

absl::Status GeluF32(const KernelArgs& a) {
  if (GetString(a.attributes, "approximate", "none") == "tanh") {
    return Unary("gelu", a, [](float x) { return GeluTanh(x); });
  }
  return Unary("gelu", a, [](float x) { return GeluErf(x); });
}

absl::Status ClampF32(const KernelArgs& a) {
  const float inf = std::numeric_limits<float>::infinity();
  const float lo = static_cast<float>(GetFloat(a.attributes, "min", -inf));
  const float hi = static_cast<float>(GetFloat(a.attributes, "max", inf));
  // torch.clamp applies min then max, so max wins when min > max.
  return Unary("clamp", a, [lo, hi](float x) { return std::min(std::max(x, lo), hi); });
}

// The output index space of a broadcast binary op, with adjacent dimensions merged wherever both
// inputs step through them the same way. stride 0 marks a broadcast dimension.
struct BroadcastPlan {
  Shape dims;
  std::vector<int64_t> sa, sb;
};

absl::StatusOr<BroadcastPlan> PlanBroadcast(const char* op, const Shape& a, const Shape& b, const Shape& out) {
  const size_t rank = out.size();
  std::vector<int64_t> ea(rank, 1), eb(rank, 1);  // input extents aligned to the output
  for (size_t i = 0; i < a.size(); ++i) ea[rank - a.size() + i] = a[i];
  for (size_t i = 0; i < b.size(); ++i) eb[rank - b.size() + i] = b[i];
  if (a.size() > rank || b.size() > rank) return InvalidArgumentError(absl::StrCat(op, " kernel: input rank exceeds output"));
  BroadcastPlan p;
  for (size_t d = 0; d < rank; ++d) {
    for (int64_t e : {ea[d], eb[d]}) {
      if (e != out[d] && e != 1) {
        return InvalidArgumentError(absl::StrCat(op, " kernel: ", FormatShape(a), " and ", FormatShape(b),
                                                 " do not broadcast to ", FormatShape(out)));
      }
    }
    if (out[d] == 1) continue;  // size-1 dims contribute nothing
    const bool ba = ea[d] == 1, bb = eb[d] == 1;
    if (!p.dims.empty() && (p.sa.back() == 0) == ba && (p.sb.back() == 0) == bb) {
      p.dims.back() *= out[d];
    } else {
      p.dims.push_back(out[d]);
      p.sa.push_back(ba ? 0 : 1);
      p.sb.push_back(bb ? 0 : 1);
    }
  }
  if (p.dims.empty()) {
    p.dims = {1};
    p.sa = {1};
    p.sb = {1};
  }
  // Element strides: each non-broadcast merged dim steps over the product of inner non-broadcast dims.
  int64_t ra = 1, rb = 1;
  for (int d = static_cast<int>(p.dims.size()) - 1; d >= 0; --d) {
    if (p.sa[d]) { p.sa[d] = ra; ra *= p.dims[d]; }
    if (p.sb[d]) { p.sb[d] = rb; rb *= p.dims[d]; }
  }
  return p;
}

template <typename F>
absl::Status Binary(const char* op, const KernelArgs& args, F f) {
  KPU_RETURN_IF_ERROR(ExpectInputs(op, args, 2, 2));
  KPU_RETURN_IF_ERROR(NoAccumulate(op, args));
  const Shape& out = args.output().shape;
  KPU_ASSIGN_OR_RETURN(BroadcastPlan p, PlanBroadcast(op, args.inputs[0].shape, args.inputs[1].shape, out));
  const float* a = args.inputs[0].as<float>();
  const float* b = args.inputs[1].as<float>();
  float* out_base = args.output().as<float>();
  const int rank = static_cast<int>(p.dims.size());
  const int64_t inner = p.dims.back(), sa = p.sa.back(), sb = p.sb.back();
  // One contiguous innermost run of `len` elements starting at output element `y`.
  auto run = [&](float* y, const float* pa, const float* pb, int64_t len) {
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < len; ++i) y[i] = f(pa[i], pb[i]);
    } else if (sa == 1) {
      const float s = pb[0];
      for (int64_t i = 0; i < len; ++i) y[i] = f(pa[i], s);
    } else if (sb == 1) {
      const float s = pa[0];
      for (int64_t i = 0; i < len; ++i) y[i] = f(s, pb[i]);
    } else {
      const float v = f(pa[0], pb[0]);
      for (int64_t i = 0; i < len; ++i) y[i] = v;
    }
  };
  if (rank == 1) {  // same shapes, or one side a scalar: split the single run
    ParallelFor(inner, 1, [&](int64_t lo, int64_t hi) {
      run(out_base + lo, a + lo * sa, b + lo * sb, hi - lo);
    });
    return absl::OkStatus();
  }
  const int64_t rows = NumElements(out) / std::max<int64_t>(inner, 1);
  ParallelFor(rows, inner, [&](int64_t r0, int64_t r1) {
    // Position the odometer over the outer dims at row r0.
    std::vector<int64_t> idx(rank, 0);
    int64_t oa = 0, ob = 0;
    for (int64_t d = rank - 2, rem = r0; d >= 0; --d) {
      idx[d] = rem % p.dims[d];
      rem /= p.dims[d];
      oa += idx[d] * p.sa[d];
      ob += idx[d] * p.sb[d];
    }
    for (int64_t r = r0; r < r1; ++r) {
      run(out_base + r * inner, a + oa, b + ob, inner);
      for (int d = rank - 2; d >= 0; --d) {
        oa += p.sa[d];
        ob += p.sb[d];
        if (++idx[d] < p.dims[d]) break;
        oa -= p.sa[d] * p.dims[d];
        ob -= p.sb[d] * p.dims[d];
        idx[d] = 0;
      }
    }
  });
  return absl::OkStatus();
}

absl::Status AddF32(const KernelArgs& a) { return Binary("add", a, [](float x, float y) { return x + y; }); }
absl::Status SubF32(const KernelArgs& a) { return Binary("sub", a, [](float x, float y) { return x - y; }); }
absl::Status MulF32(const KernelArgs& a) { return Binary("mul", a, [](float x, float y) { return x * y; }); }
absl::Status DivF32(const KernelArgs& a) { return Binary("div", a, [](float x, float y) { return x / y; }); }

}  // namespace

void RegisterElementwiseKernels(KernelRegistry& r) {
  r.Add("relu", ir::FLOAT32, ReluF32);
  r.Add("sigmoid", ir::FLOAT32, SigmoidF32);
  r.Add("tanh", ir::FLOAT32, TanhF32);
  r.Add("silu", ir::FLOAT32, SiluF32);
  r.Add("hardswish", ir::FLOAT32, HardswishF32);
  r.Add("hardsigmoid", ir::FLOAT32, HardsigmoidF32);
  r.Add("hardtanh", ir::FLOAT32, HardtanhF32);
  r.Add("leaky_relu", ir::FLOAT32, LeakyReluF32);
  r.Add("gelu", ir::FLOAT32, GeluF32);
  r.Add("clamp", ir::FLOAT32, ClampF32);
  r.Add("add", ir::FLOAT32, AddF32);
  r.Add("sub", ir::FLOAT32, SubF32);
  r.Add("mul", ir::FLOAT32, MulF32);
  r.Add("div", ir::FLOAT32, DivF32);
}

}  // namespace kpu::runtime
