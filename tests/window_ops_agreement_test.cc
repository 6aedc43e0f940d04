// Decision 2 for the window ops (max_pool2d, avg_pool2d, adaptive pools, upsampling,
// conv_transpose2d): the tile-by-tile interpreter computes what the whole-op kernels compute, the
// reordered interpreter gives identical values (the edges are complete), and both match a plain
// reference loop written here from PyTorch's definitions. Presets with large and small L1s, a
// 16 KB L1 and, per case, smaller ones force channel, row and column tiles (and for
// conv_transpose2d output-channel and input-channel tiles), padded and ceil_mode border windows,
// avg-pool border pieces and ragged tiles; each case names the dimensions its smallest L1 must
// split, and the test checks the compiled tiling did. Tolerance: 1e-5 relative to the output's
// magnitude (fp32 sums in another order; bilinear weights computed in float as ATen does).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kpu/compiler/compiler.h"
#include "kpu/ir/config_presets.h"
#include "kpu/ir/dtype.h"
#include "kpu/runtime/executor.h"
#include "kpu/testing/test_graphs.h"

namespace kpu {
namespace {

using kpu::testing::AddConstant;
using kpu::testing::AddInput;
using kpu::testing::AddNode;
using kpu::testing::RandomValues;

using Shape4 = std::array<int64_t, 4>;

struct RunResult {
  std::vector<float> fast, interpreted, reordered;
  bool ok = false;
};

RunResult Run(const ir::Graph& g, const ir::KPUConfig& config, const std::vector<float>& x, const std::string& what) {
  RunResult r;
  auto program = compiler::Compile(g, config, {});
  EXPECT_TRUE(program.ok()) << what << ": " << program.status();
  if (!program.ok()) return r;
  const auto& p = program->proto;
  // Every op of these graphs runs on the KPU: the window op has its own DFX.
  for (const auto& op : p.operations().ops()) EXPECT_GT(op.dfx_size(), 0) << what << ": op " << op.id() << " has no DFX";
  auto exec = runtime::Executor::Load(*program, nullptr);
  EXPECT_TRUE(exec.ok()) << what << ": " << exec.status();
  if (!exec.ok()) return r;
  Shape in_shape, out_shape;
  for (const auto& t : p.tensors().tensors()) {
    if (t.name() == p.metadata().input_ids(0)) in_shape = ToShape(t.shape());
    if (t.name() == p.metadata().output_ids(0)) out_shape = ToShape(t.shape());
  }
  std::vector<runtime::HostTensor> in = {
      {p.metadata().input_ids(0), ir::FLOAT32, in_shape, const_cast<float*>(x.data()), x.size() * sizeof(float)}};
  r.ok = true;
  for (auto [engine, data] : {std::pair{runtime::Engine::kFast, &r.fast}, {runtime::Engine::kDfxInterpreter, &r.interpreted},
                              {runtime::Engine::kDfxInterpreterReordered, &r.reordered}}) {
    data->assign(NumElements(out_shape), std::numeric_limits<float>::quiet_NaN());
    runtime::ExecuteOptions o;
    o.engine = engine;
    auto s = (*exec)->Execute(in, {{p.metadata().output_ids(0), ir::FLOAT32, out_shape, data->data(), data->size() * sizeof(float)}}, o);
    EXPECT_TRUE(s.ok()) << what << ": " << s;
    r.ok = r.ok && s.ok();
  }
  EXPECT_EQ(r.interpreted, r.reordered) << what << ": the reordered interpreter disagrees: a dependency is missing";
  return r;
}

void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  double scale = 1e-3;
  for (float v : b) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  EXPECT_LE(worst, 1e-5 * scale) << what << ": max abs diff " << worst << " at element " << at << " (" << a[at]
                                 << " vs " << b[at] << ")";
}

ir::KPUConfig TinyL1();

ir::KPUConfig SmallL1(uint64_t bytes) { return kpu::testing::WithL1Bytes(*PresetConfig("minimal"), bytes); }

// Runs `g` on every preset, the 16 KB L1 and each of `small_l1` (bytes), and checks fast ==
// interpreted == reordered == `ref`.
void CheckAllConfigs(const ir::Graph& g, const std::vector<float>& x, const std::vector<float>& ref,
                     const std::string& what, const std::vector<uint64_t>& small_l1 = {}) {
  std::vector<std::pair<std::string, ir::KPUConfig>> configs;
  for (const char* name : {"minimal", "swkpu-v1", "datacenter"}) configs.push_back({name, *PresetConfig(name)});
  configs.push_back({"tiny-l1", TinyL1()});
  for (uint64_t b : small_l1) configs.push_back({"l1-" + std::to_string(b) + "B", SmallL1(b)});
  for (const auto& [name, config] : configs) {
    const std::string label = what + " on " + name;
    RunResult r = Run(g, config, x, label);
    if (!r.ok) continue;
    ExpectClose(r.fast, ref, label + " fast vs reference");
    ExpectClose(r.interpreted, ref, label + " interpreted vs reference");
    ExpectClose(r.interpreted, r.fast, label + " interpreted vs fast");
  }
}

// The window op of `g` compiled on `config` has tiles smaller than `whole` in every dimension
// named there (tile size keys: C, OC, OH, OW), so the agreement above covered those splits.
void ExpectSplits(const ir::Graph& g, const ir::KPUConfig& config, const std::map<std::string, int64_t>& whole,
                  const std::string& what) {
  auto program = compiler::Compile(g, config, {});
  ASSERT_TRUE(program.ok()) << what << ": " << program.status();
  const ir::KPUOp& op = program->proto.operations().ops(0);
  for (const auto& [dim, size] : whole) {
    ASSERT_TRUE(op.tiling().tile_sizes().contains(dim)) << what << ": no tile size " << dim;
    EXPECT_LT(op.tiling().tile_sizes().at(dim), size) << what << ": " << dim << " is not split";
  }
  EXPECT_LE(op.l1_bytes(), LevelCapacity(*FindLevel(config, ir::L1))) << what;
}

void SetInts(ir::Node* n, const std::string& name, std::vector<int64_t> values) {
  auto* ints = (*n->mutable_attributes())[name].mutable_ints();
  ints->clear_values();
  for (int64_t v : values) ints->add_values(v);
}

// PyTorch's pooling_output_shape.
int64_t PoolOut(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dil * (k - 1) - 1;
  int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

struct PoolCase {
  std::string name;
  Shape4 x;
  int64_t k, s, p, d;
  bool ceil_mode;
  bool count_include_pad;
  int64_t divisor_override;
  // An L1 (bytes) small enough to split the dimensions named (C, OH, OW); 0: the configs above.
  uint64_t split_l1 = 0;
  std::vector<std::string> splits = {};
};

// The whole sizes of the dimensions a case says its small L1 splits.
std::map<std::string, int64_t> Whole(const std::vector<std::string>& dims, std::map<std::string, int64_t> sizes) {
  std::map<std::string, int64_t> m;
  for (const std::string& d : dims) m[d] = sizes.at(d);
  return m;
}

std::vector<float> MaxPoolRef(const std::vector<float>& x, const PoolCase& c, int64_t oh, int64_t ow) {
  const auto [n, ch, h, w] = c.x;
  std::vector<float> y(n * ch * oh * ow);
  for (int64_t p = 0; p < n * ch; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t a = 0; a < c.k; ++a)
          for (int64_t b = 0; b < c.k; ++b) {
            const int64_t r = i * c.s - c.p + a * c.d, q = j * c.s - c.p + b * c.d;
            if (r >= 0 && r < h && q >= 0 && q < w) m = std::max(m, x[(p * h + r) * w + q]);
          }
        y[(p * oh + i) * ow + j] = m;
      }
  return y;
}

std::vector<float> AvgPoolRef(const std::vector<float>& x, const PoolCase& c, int64_t oh, int64_t ow) {
  const auto [n, ch, h, w] = c.x;
  std::vector<float> y(n * ch * oh * ow);
  for (int64_t p = 0; p < n * ch; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        // ATen: the window clipped to input + padding counts when padding counts.
        const int64_t r0 = i * c.s - c.p, q0 = j * c.s - c.p;
        const int64_t r1 = std::min(r0 + c.k, h + c.p), q1 = std::min(q0 + c.k, w + c.p);
        double sum = 0;
        int64_t count = 0;
        for (int64_t r = std::max<int64_t>(r0, 0); r < std::min(r1, h); ++r)
          for (int64_t q = std::max<int64_t>(q0, 0); q < std::min(q1, w); ++q) {
            sum += x[(p * h + r) * w + q];
            ++count;
          }
        const int64_t divisor = c.divisor_override ? c.divisor_override
                                : c.count_include_pad ? (r1 - r0) * (q1 - q0)
                                                      : count;
        y[(p * oh + i) * ow + j] = static_cast<float>(sum / divisor);
      }
  return y;
}

TEST(WindowOpsAgreement, MaxPool2d) {
  const std::vector<PoolCase> cases = {
      {"k3 s2 p1 (ResNet stem)", {2, 5, 17, 16}, 3, 2, 1, 1, false, true, 0},
      {"k3 s2 p1 ceil_mode", {1, 6, 14, 11}, 3, 2, 1, 1, true, true, 0},
      {"k2 s2 ceil_mode, odd size", {1, 3, 9, 13}, 2, 2, 0, 1, true, true, 0},
      {"k3 s1 p1 dilation 2", {1, 4, 12, 10}, 3, 1, 1, 2, false, true, 0},
      {"k5 s3 p2 ceil_mode dilation 2", {1, 3, 20, 19}, 5, 3, 2, 2, true, true, 0},
      {"row and column tiles on a small L1", {1, 3, 90, 100}, 3, 2, 1, 1, true, true, 0},
      {"ragged channel tiles on a small L1", {1, 7, 30, 30}, 3, 2, 1, 1, false, true, 0},
  };
  for (const PoolCase& c : cases) {
    const int64_t oh = PoolOut(c.x[2], c.k, c.p, c.s, c.d, c.ceil_mode), ow = PoolOut(c.x[3], c.k, c.p, c.s, c.d, c.ceil_mode);
    ir::Graph g;
    AddInput(&g, "x", {c.x.begin(), c.x.end()});
    ir::Node* n = AddNode(&g, "max_pool2d", {"x"}, "y");
    SetInts(n, "kernel", {c.k, c.k});
    SetInts(n, "stride", {c.s, c.s});
    SetInts(n, "padding", {c.p, c.p});
    SetInts(n, "dilation", {c.d, c.d});
    (*n->mutable_attributes())["ceil_mode"].set_i(c.ceil_mode);
    g.add_outputs("y");
    const auto x = RandomValues(NumElements(Shape(c.x.begin(), c.x.end())), 1.0f, 31);
    CheckAllConfigs(g, x, MaxPoolRef(x, c, oh, ow), "max_pool2d " + c.name);
  }
}

TEST(WindowOpsAgreement, AvgPool2d) {
  const std::vector<PoolCase> cases = {
      {"k3 s2 p1 count_include_pad", {2, 5, 17, 16}, 3, 2, 1, 1, false, true, 0},
      {"k3 s2 p1 exclude pad", {1, 6, 14, 11}, 3, 2, 1, 1, false, false, 0},
      {"k3 s2 p1 ceil_mode count_include_pad", {1, 4, 14, 12}, 3, 2, 1, 1, true, true, 0},
      {"k3 s2 p1 ceil_mode exclude pad", {1, 4, 14, 12}, 3, 2, 1, 1, true, false, 0},
      {"k2 s2 ceil_mode, odd size", {1, 3, 9, 13}, 2, 2, 0, 1, true, true, 0},
      {"k3 s2 p1 divisor_override 5", {1, 3, 15, 10}, 3, 2, 1, 1, true, false, 5},
      {"k2 s2 row and column tiles on a small L1", {1, 3, 90, 100}, 2, 2, 0, 1, false, true, 0},
      {"k3 s2 p1 ragged channel tiles on a small L1", {1, 7, 30, 30}, 3, 2, 1, 1, false, true, 0},
      // Border divisors differ: pieces of equal divisor, each its own loop of tiles.
      {"k3 s2 p1 ceil_mode exclude pad, row tiles", {1, 3, 90, 100}, 3, 2, 1, 1, true, false, 0, 16384, {"C", "OH"}},
      {"k3 s2 p1 ceil_mode past the padding, row tiles", {1, 3, 90, 100}, 3, 2, 1, 1, true, true, 0, 16384, {"C", "OH"}},
      {"k2 s2 p1 exclude pad, row and column tiles", {1, 2, 30, 31}, 2, 2, 1, 1, true, false, 0, 256, {"C", "OH", "OW"}},
      {"k5 s3 p2 exclude pad, row and column tiles", {1, 2, 41, 38}, 5, 3, 2, 1, false, false, 0, 512, {"C", "OH", "OW"}},
  };
  for (const PoolCase& c : cases) {
    const int64_t oh = PoolOut(c.x[2], c.k, c.p, c.s, 1, c.ceil_mode), ow = PoolOut(c.x[3], c.k, c.p, c.s, 1, c.ceil_mode);
    ir::Graph g;
    AddInput(&g, "x", {c.x.begin(), c.x.end()});
    ir::Node* n = AddNode(&g, "avg_pool2d", {"x"}, "y");
    SetInts(n, "kernel", {c.k, c.k});
    SetInts(n, "stride", {c.s, c.s});
    SetInts(n, "padding", {c.p, c.p});
    (*n->mutable_attributes())["ceil_mode"].set_i(c.ceil_mode);
    (*n->mutable_attributes())["count_include_pad"].set_i(c.count_include_pad);
    (*n->mutable_attributes())["divisor_override"].set_i(c.divisor_override);
    g.add_outputs("y");
    const auto x = RandomValues(NumElements(Shape(c.x.begin(), c.x.end())), 1.0f, 32);
    if (c.split_l1 == 0) {
      CheckAllConfigs(g, x, AvgPoolRef(x, c, oh, ow), "avg_pool2d " + c.name);
      continue;
    }
    CheckAllConfigs(g, x, AvgPoolRef(x, c, oh, ow), "avg_pool2d " + c.name, {c.split_l1});
    ExpectSplits(g, SmallL1(c.split_l1), Whole(c.splits, {{"C", c.x[1]}, {"OH", oh}, {"OW", ow}}), "avg_pool2d " + c.name);
  }
}

TEST(WindowOpsAgreement, AdaptivePools) {
  struct Case {
    Shape4 x;
    int64_t oh, ow;
    uint64_t split_l1 = 0;
    std::vector<std::string> splits = {};
  };
  for (const Case& c : {Case{{2, 5, 7, 9}, 3, 4}, Case{{1, 16, 10, 10}, 1, 1}, Case{{1, 3, 5, 6}, 7, 8},
                        Case{{1, 7, 13, 11}, 5, 5},
                        // Overlapping bins of unequal sizes in row bands, and in column bands.
                        Case{{1, 3, 90, 100}, 7, 9, 16384, {"C", "OH"}}, Case{{1, 2, 20, 20}, 70, 70, 16384, {"C", "OH"}},
                        Case{{1, 2, 23, 29}, 10, 13, 256, {"C", "OH", "OW"}},
                        Case{{1, 1, 3, 3000}, 2, 1500, 16384, {"OH", "OW"}}}) {
    for (bool is_max : {false, true}) {
      const auto [n, ch, h, w] = c.x;
      ir::Graph g;
      AddInput(&g, "x", {c.x.begin(), c.x.end()});
      ir::Node* node = AddNode(&g, is_max ? "adaptive_max_pool2d" : "adaptive_avg_pool2d", {"x"}, "y");
      SetInts(node, "output_size", {c.oh, c.ow});
      g.add_outputs("y");
      const auto x = RandomValues(n * ch * h * w, 1.0f, 33);
      std::vector<float> ref(n * ch * c.oh * c.ow);
      for (int64_t p = 0; p < n * ch; ++p)
        for (int64_t i = 0; i < c.oh; ++i)
          for (int64_t j = 0; j < c.ow; ++j) {
            const int64_t r0 = i * h / c.oh, r1 = ((i + 1) * h + c.oh - 1) / c.oh;
            const int64_t q0 = j * w / c.ow, q1 = ((j + 1) * w + c.ow - 1) / c.ow;
            double acc = is_max ? -INFINITY : 0;
            for (int64_t r = r0; r < r1; ++r)
              for (int64_t q = q0; q < q1; ++q) {
                const double v = x[(p * h + r) * w + q];
                acc = is_max ? std::max(acc, v) : acc + v;
              }
            ref[(p * c.oh + i) * c.ow + j] = static_cast<float>(is_max ? acc : acc / ((r1 - r0) * (q1 - q0)));
          }
      const std::string what = std::string(is_max ? "adaptive_max_pool2d " : "adaptive_avg_pool2d ") +
                               std::to_string(h) + "x" + std::to_string(w) + " -> " + std::to_string(c.oh) + "x" +
                               std::to_string(c.ow);
      if (c.split_l1 == 0) {
        CheckAllConfigs(g, x, ref, what);
        continue;
      }
      CheckAllConfigs(g, x, ref, what, {c.split_l1});
      ExpectSplits(g, SmallL1(c.split_l1), Whole(c.splits, {{"C", ch}, {"OH", c.oh}, {"OW", c.ow}}), what);
    }
  }
}

TEST(WindowOpsAgreement, Upsample) {
  struct Case {
    Shape4 x;
    int64_t oh, ow;
    uint64_t split_l1 = 0;
    std::vector<std::string> splits = {};
  };
  // Integer, non-integer, non-power-of-two and downscaling factors; the last cases split rows on a
  // 16 KB L1, rows and columns on 256 bytes, and columns of a wide row.
  for (const Case& c : {Case{{2, 3, 5, 7}, 10, 14}, Case{{1, 4, 5, 7}, 8, 9}, Case{{1, 2, 6, 6}, 3, 4},
                        Case{{1, 3, 4, 4}, 1, 9}, Case{{1, 3, 60, 50}, 120, 100, 16384, {"C", "OH"}},
                        Case{{1, 2, 9, 13}, 36, 13}, Case{{1, 2, 40, 30}, 97, 71, 16384, {"C", "OH"}},
                        Case{{1, 3, 13, 17}, 36, 41, 256, {"C", "OH", "OW"}},
                        Case{{1, 2, 30, 27}, 90, 81, 1024, {"C", "OH", "OW"}},
                        Case{{1, 1, 4, 1500}, 8, 3000, 16384, {"OH", "OW"}}}) {
    const auto [n, ch, h, w] = c.x;
    const auto x = RandomValues(n * ch * h * w, 1.0f, 34);
    for (int mode = 0; mode < 3; ++mode) {  // nearest, bilinear, bilinear align_corners
      ir::Graph g;
      AddInput(&g, "x", {c.x.begin(), c.x.end()});
      ir::Node* node = AddNode(&g, mode == 0 ? "upsample_nearest2d" : "upsample_bilinear2d", {"x"}, "y");
      SetInts(node, "output_size", {c.oh, c.ow});
      if (mode > 0) (*node->mutable_attributes())["align_corners"].set_i(mode == 2);
      g.add_outputs("y");
      // ATen's source coordinates, in float as ATen computes them.
      auto nearest = [](int64_t dst, int64_t in, int64_t out) {
        return std::min(static_cast<int64_t>(std::floor(dst * (static_cast<float>(in) / out))), in - 1);
      };
      auto linear = [&](int64_t dst, int64_t in, int64_t out, int64_t* i0, int64_t* i1, double* w1) {
        float src;
        if (mode == 2) {
          src = out > 1 ? static_cast<float>(in - 1) / (out - 1) * dst : 0.0f;
        } else {
          src = std::max(0.0f, static_cast<float>(in) / out * (dst + 0.5f) - 0.5f);
        }
        *i0 = std::min(static_cast<int64_t>(src), in - 1);
        *i1 = std::min(*i0 + 1, in - 1);
        *w1 = std::min(src - static_cast<float>(*i0), 1.0f);
      };
      std::vector<float> ref(n * ch * c.oh * c.ow);
      for (int64_t p = 0; p < n * ch; ++p)
        for (int64_t i = 0; i < c.oh; ++i)
          for (int64_t j = 0; j < c.ow; ++j) {
            const float* plane = x.data() + p * h * w;
            double v;
            if (mode == 0) {
              v = plane[nearest(i, h, c.oh) * w + nearest(j, w, c.ow)];
            } else {
              int64_t r0, r1, q0, q1;
              double a, b;
              linear(i, h, c.oh, &r0, &r1, &a);
              linear(j, w, c.ow, &q0, &q1, &b);
              v = (1 - a) * ((1 - b) * plane[r0 * w + q0] + b * plane[r0 * w + q1]) +
                  a * ((1 - b) * plane[r1 * w + q0] + b * plane[r1 * w + q1]);
            }
            ref[(p * c.oh + i) * c.ow + j] = static_cast<float>(v);
          }
      const char* names[] = {"upsample_nearest2d ", "upsample_bilinear2d ", "upsample_bilinear2d align_corners "};
      const std::string what = names[mode] + std::to_string(h) + "x" + std::to_string(w) + " -> " +
                               std::to_string(c.oh) + "x" + std::to_string(c.ow);
      if (c.split_l1 == 0) {
        CheckAllConfigs(g, x, ref, what);
        continue;
      }
      CheckAllConfigs(g, x, ref, what, {c.split_l1});
      ExpectSplits(g, SmallL1(c.split_l1), Whole(c.splits, {{"C", ch}, {"OH", c.oh}, {"OW", c.ow}}), what);
    }
  }
}

TEST(WindowOpsAgreement, ConvTranspose2d) {
  struct Case {
    std::string name;
    Shape4 x;
    int64_t oc, k, s, p, op, d, groups;
    bool bias;
    uint64_t split_l1 = 0;
    std::vector<std::string> splits = {};
  };
  const std::vector<Case> cases = {
      {"k3 s2 p1 output_padding 1 bias", {2, 6, 7, 5}, 4, 3, 2, 1, 1, 1, 1, true},
      {"k4 s2 p1 (2x upsampling)", {1, 8, 6, 6}, 8, 4, 2, 1, 0, 1, 1, false},
      {"groups 2 dilation 2 bias", {1, 6, 5, 6}, 4, 3, 1, 2, 0, 2, 2, true},
      {"depthwise k2 s2 output_padding 1", {1, 5, 4, 3}, 5, 2, 3, 0, 1, 1, 5, true},
      {"k1 s1 (pointwise)", {1, 12, 9, 9}, 7, 1, 1, 0, 0, 1, 1, false},
      {"depthwise k2 s2, ragged group tiles on a small L1", {1, 5, 16, 16}, 5, 2, 2, 0, 0, 1, 5, true},
      // Output-channel tiles, row bands whose windows start before the input, partial sums over
      // input-channel tiles in L1, column bands; strides larger than the kernel, padding larger
      // than the kernel's reach, output_padding, dilation, one group split inside.
      {"k4 s2 p1, row bands", {1, 8, 24, 24}, 4, 4, 2, 1, 0, 1, 1, true, 8192, {"OH"}},
      {"k3 s1 p0, input-channel tiles", {1, 512, 3, 3}, 1, 3, 1, 0, 0, 1, 1, true, 16384, {"C"}},
      {"k3 s2 p1 output_padding 1, column bands", {1, 2, 3, 600}, 2, 3, 2, 1, 1, 1, 1, true, 16384, {"OW"}},
      {"k3 s2 p2 output_padding 1 dilation 2, row and column bands", {1, 6, 9, 8}, 5, 3, 2, 2, 1, 2, 1, true, 256,
       {"OH", "OW"}},
      {"k2 s3, row and column bands", {1, 4, 7, 7}, 3, 2, 3, 0, 0, 1, 1, false, 256, {"OH", "OW"}},
      {"k1 s2 p1 (padding past the kernel), bands", {1, 3, 8, 8}, 2, 1, 2, 1, 0, 1, 1, true, 128, {"OH", "OW"}},
      {"groups 2, filter tiles inside a group", {1, 8, 10, 10}, 64, 3, 1, 1, 0, 1, 2, true, 2048, {"OC"}},
      {"k4 s2 p1, every split", {1, 40, 10, 11}, 12, 4, 2, 1, 0, 1, 1, true, 256, {"OC", "OH", "OW", "C"}},
  };
  for (const Case& c : cases) {
    const auto [n, ch, h, w] = c.x;
    const int64_t cg = ch / c.groups, ocg = c.oc / c.groups;
    const int64_t oh = (h - 1) * c.s - 2 * c.p + c.d * (c.k - 1) + c.op + 1;
    const int64_t ow = (w - 1) * c.s - 2 * c.p + c.d * (c.k - 1) + c.op + 1;
    const auto x = RandomValues(n * ch * h * w, 1.0f, 35), wt = RandomValues(ch * ocg * c.k * c.k, 0.3f, 36);
    const auto bias = RandomValues(c.oc, 0.5f, 37);
    ir::Graph g;
    AddInput(&g, "x", {c.x.begin(), c.x.end()});
    AddConstant(&g, "w", {ch, ocg, c.k, c.k}, wt);
    std::vector<std::string> inputs = {"x", "w"};
    if (c.bias) {
      AddConstant(&g, "b", {c.oc}, bias);
      inputs.push_back("b");
    }
    ir::Node* node = AddNode(&g, "conv_transpose2d", inputs, "y");
    SetInts(node, "stride", {c.s, c.s});
    SetInts(node, "padding", {c.p, c.p});
    SetInts(node, "output_padding", {c.op, c.op});
    SetInts(node, "dilation", {c.d, c.d});
    (*node->mutable_attributes())["groups"].set_i(c.groups);
    g.add_outputs("y");
    // Every input pixel scatters its weighted taps into the output.
    std::vector<double> acc(n * c.oc * oh * ow, 0.0);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ci = 0; ci < ch; ++ci)
        for (int64_t o = 0; o < ocg; ++o)
          for (int64_t r = 0; r < h; ++r)
            for (int64_t q = 0; q < w; ++q)
              for (int64_t a = 0; a < c.k; ++a)
                for (int64_t e = 0; e < c.k; ++e) {
                  const int64_t yr = r * c.s - c.p + a * c.d, yq = q * c.s - c.p + e * c.d;
                  if (yr < 0 || yr >= oh || yq < 0 || yq >= ow) continue;
                  const int64_t oc = (ci / cg) * ocg + o;
                  acc[((b * c.oc + oc) * oh + yr) * ow + yq] +=
                      static_cast<double>(x[((b * ch + ci) * h + r) * w + q]) * wt[((ci * ocg + o) * c.k + a) * c.k + e];
                }
    std::vector<float> ref(acc.size());
    for (size_t i = 0; i < acc.size(); ++i) {
      const int64_t oc = (i / (oh * ow)) % c.oc;
      ref[i] = static_cast<float>(acc[i] + (c.bias ? bias[oc] : 0.0));
    }
    const std::string what = "conv_transpose2d " + c.name;
    if (c.split_l1 == 0) {
      CheckAllConfigs(g, x, ref, what);
      continue;
    }
    CheckAllConfigs(g, x, ref, what, {c.split_l1});
    ExpectSplits(g, SmallL1(c.split_l1), Whole(c.splits, {{"C", cg}, {"OC", c.oc}, {"OH", oh}, {"OW", ow}}), what);
  }
}

ir::KPUConfig TinyL1() { return kpu::testing::WithL1Bytes(*PresetConfig("minimal"), 16 * 1024); }

// What cannot tile says so, naming the node and the sizes: one adaptive bin that covers a whole
// 100x100 plane (40 KB) is more than a 16 KB L1 holds.
TEST(WindowOpsAgreement, TooLargeForL1SaysWhichNodeAndSizes) {
  ir::Graph g;
  AddInput(&g, "x", {1, 3, 100, 100});
  ir::Node* n = AddNode(&g, "adaptive_avg_pool2d", {"x"}, "y");
  n->set_name("global_pool");
  SetInts(n, "output_size", {1, 1});
  g.add_outputs("y");
  auto program = compiler::Compile(g, TinyL1(), {});
  ASSERT_FALSE(program.ok());
  const std::string m(program.status().message());
  EXPECT_NE(m.find("SRAM memory exceeded"), std::string::npos) << m;
  EXPECT_NE(m.find("adaptive_avg_pool2d 'global_pool'"), std::string::npos) << m;
  EXPECT_NE(m.find("100x100"), std::string::npos) << m;  // the window the tile would read
  EXPECT_NE(m.find("16KB available"), std::string::npos) << m;
}

}  // namespace
}  // namespace kpu
