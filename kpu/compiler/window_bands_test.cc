// The band windows of the window ops: every output's reads lie in its band's window, for
// commensurate sizes the window is exactly what a band reads, and the searches return sizes that fit.
#include "kpu/compiler/window_bands.h"

#include <algorithm>

#include "gtest/gtest.h"
#include "kpu/ir/ops/pool.h"
#include "kpu/ir/ops/resize.h"

namespace kpu::compiler {
namespace {

void ExpectCovers(int64_t out, const AxisTiles& t, const ReadsFn& reads, const std::string& what) {
  ASSERT_EQ(t.trips, (out + t.size - 1) / t.size) << what;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t b = o / t.size, lo = t.in_offset + t.in_step * b;
    const auto [first, last] = reads(o);
    EXPECT_GE(first, lo) << what << ": output " << o;
    EXPECT_LT(last, lo + t.in_extent) << what << ": output " << o;
  }
}

TEST(BandTiles, EveryReadLiesInItsBandsWindow) {
  for (int64_t in : {1, 3, 13, 40, 97}) {
    for (int64_t out : {1, 2, 7, 36, 80, 257}) {
      for (int64_t size : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{5}, int64_t{16}, out}) {
        if (size > out) continue;
        const std::string what = std::to_string(in) + " -> " + std::to_string(out) + " in bands of " + std::to_string(size);
        ExpectCovers(out, BandTiles(out, size, [&](int64_t o) {
                       const int64_t s = ops::NearestSource(o, in, out);
                       return std::make_pair(s, s);
                     }), [&](int64_t o) {
                       const int64_t s = ops::NearestSource(o, in, out);
                       return std::make_pair(s, s);
                     }, "nearest " + what);
        for (bool align : {false, true}) {
          auto bilinear = [&](int64_t o) {
            const ops::LinearTap t = ops::BilinearSource(o, in, out, align);
            return std::make_pair(t.i0, t.i1);
          };
          ExpectCovers(out, BandTiles(out, size, bilinear), bilinear, "bilinear " + what);
        }
        auto bins = [&](int64_t o) {
          return std::make_pair(ops::AdaptiveStart(o, in, out), ops::AdaptiveEnd(o, in, out) - 1);
        };
        ExpectCovers(out, BandTiles(out, size, bins), bins, "adaptive " + what);
      }
    }
  }
}

// 2x nearest in bands of 8 rows: band b reads exactly rows [4b, 4b + 4).
TEST(BandTiles, CommensurateSizesReadExactlyTheirRows) {
  const AxisTiles t = BandTiles(80, 8, [](int64_t o) {
    const int64_t s = ops::NearestSource(o, 40, 80);
    return std::make_pair(s, s);
  });
  EXPECT_EQ(t.trips, 10);
  EXPECT_EQ(t.in_step, 4);
  EXPECT_EQ(t.in_offset, 0);
  EXPECT_EQ(t.in_extent, 4);
  // Bilinear 2x (align_corners=False): a band also reads the row on either side, clamped at the ends.
  const AxisTiles b = BandTiles(80, 8, [](int64_t o) {
    const ops::LinearTap t = ops::BilinearSource(o, 40, 80, false);
    return std::make_pair(t.i0, t.i1);
  });
  EXPECT_EQ(b.in_step, 4);
  EXPECT_EQ(b.in_offset, -1);
  EXPECT_EQ(b.in_extent, 6);
}

TEST(LargestFitting, ReturnsASizeThatFitsOrZero) {
  EXPECT_EQ(LargestFitting(100, [](int64_t s) { return s <= 37; }), 37);
  EXPECT_EQ(LargestFitting(100, [](int64_t) { return false; }), 0);
  EXPECT_EQ(LargestFitting(1, [](int64_t) { return true; }), 1);
  // Not monotonic: whatever it returns fits.
  auto odd = [](int64_t s) { return s % 2 == 1 && s < 60; };
  EXPECT_TRUE(odd(LargestFitting(100, odd)));
}

}  // namespace
}  // namespace kpu::compiler
