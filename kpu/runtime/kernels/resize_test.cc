#include <array>
#include <string>

#include "kpu/runtime/kernels/kernel_test_util.h"

namespace kpu::runtime::testing {
namespace {

#include "kpu/runtime/kernels/testdata/torch_reference_values.inc"

F32Tensor Input(Shape s) {
  F32Tensor t(std::move(s));
  for (size_t i = 0; i < t.data.size(); ++i) t.data[i] = std::sin(i * 0.37) * 3;  // as gen_torch_reference.py
  return t;
}

TEST(NearestKernel, FloorOfDstTimesScaleAsAten) {
  F32Tensor x = Input({1, 1, 3, 5}), a({1, 1, 7, 4}), b({1, 1, 6, 10});
  ASSERT_TRUE(RunOp("upsample_nearest2d", Attrs().Ints("output_size", {7, 4}), {&x}, {&a}).ok());
  ExpectNear(a.data, kNearest74, 0);
  ASSERT_TRUE(RunOp("upsample_nearest2d", Attrs().Ints("output_size", {6, 10}), {&x}, {&b}).ok());
  ExpectNear(b.data, kNearest610, 0);
}

TEST(BilinearKernel, BothAlignCornersModesMatchTorch) {
  F32Tensor x = Input({1, 1, 3, 5}), f({1, 1, 5, 7}), t({1, 1, 5, 7});
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {5, 7}), {&x}, {&f}).ok());
  ExpectNear(f.data, kBilinearFalse, 1e-5);
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {5, 7}).Int("align_corners", 1), {&x}, {&t}).ok());
  ExpectNear(t.data, kBilinearTrue, 1e-5);
  F32Tensor big = Input({1, 1, 7, 9}), down({1, 1, 3, 4});
  ASSERT_TRUE(RunOp("upsample_bilinear2d", Attrs().Ints("output_size", {3, 4}), {&big}, {&down}).ok());
  ExpectNear(down.data, kBilinearDown, 1e-5);
}

// A DFX tile of output rows computes the whole op's values at its position, from an input tile
// that holds their sources: bit for bit the rows of the whole output, at non-integer scales too.
TEST(ResizeKernels, RowTileComputesTheWholeOpsRows) {
  const F32Tensor x = Input({1, 2, 13, 6});
  const Shape y_shape = {1, 2, 36, 9};
  for (const char* op : {"upsample_nearest2d", "upsample_bilinear2d"}) {
    for (int align = 0; align < 2; ++align) {
      Attrs whole_attrs = Attrs().Ints("output_size", {36, 9}).Int("align_corners", align);
      if (std::string(op) == "upsample_nearest2d") whole_attrs = Attrs().Ints("output_size", {36, 9});
      F32Tensor whole(y_shape);
      ASSERT_TRUE(RunOp(op, whole_attrs, {&x}, {&whole}).ok());
      // Output rows [11, 23) read input rows within [3, 9); the tile holds [2, 10), and the ragged
      // last tile [30, 40) reads [9, 14), past the input's end.
      for (auto [out_row, rows, in_row, in_rows] : {std::array<int64_t, 4>{11, 12, 2, 8}, {30, 10, 9, 5}}) {
        Attrs tile_attrs = Attrs().Ints("output_size", {rows, 9});
        if (std::string(op) != "upsample_nearest2d") tile_attrs.Int("align_corners", align);
        F32Tensor tile({1, 2, rows, 9});
        ASSERT_TRUE(RunRowTile(op, tile_attrs, Rows(x, in_row, in_rows), in_row, x.shape, &tile, out_row, y_shape).ok())
            << op;
        const int64_t valid = std::min<int64_t>(rows, 36 - out_row);
        for (int64_t p = 0; p < 2; ++p)
          for (int64_t i = 0; i < valid; ++i)
            for (int64_t j = 0; j < 9; ++j)
              EXPECT_EQ(tile.data[(p * rows + i) * 9 + j], whole.data[(p * 36 + out_row + i) * 9 + j])
                  << op << " align " << align << " row " << out_row + i;
      }
    }
  }
}

TEST(ResizeKernels, TileMissingASourceIsAnError) {
  const F32Tensor x = Input({1, 1, 13, 6});
  F32Tensor tile({1, 1, 12, 9});
  absl::Status s = RunRowTile("upsample_bilinear2d", Attrs().Ints("output_size", {12, 9}), Rows(x, 4, 4), 4, x.shape,
                              &tile, 11, {1, 1, 36, 9});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("outside the input tile's [4, 8)"), std::string::npos) << s;
}

}  // namespace
}  // namespace kpu::runtime::testing
