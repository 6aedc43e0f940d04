"""Resizing: nearest and bilinear 2-D upsampling to a concrete output size.

aten's upsample_*2d overloads carry Python kernels at the Autograd key, so AOTAutograd always
decomposes them into index arithmetic, whatever decomposition table it is given. F.interpolate
is therefore rewritten in the Dynamo graph (kpu/dynamo_rewrites.py) into the two opaque ops
below, kpu::upsample_nearest2d and kpu::upsample_bilinear2d, which compute exactly what
F.interpolate computes (eagerly, in PyTorch, when they fall back) and reach the aten graph whole.
"""

from __future__ import annotations

from typing import Optional

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


@torch.library.custom_op("kpu::upsample_nearest2d", mutates_args=())
def _nearest(x: torch.Tensor, size: Optional[list[int]],
             scale_factors: Optional[list[float]]) -> torch.Tensor:
    return aten.upsample_nearest2d.vec(x, size, scale_factors)


@_nearest.register_fake
def _nearest_fake(x, size, scale_factors):
    return aten.upsample_nearest2d.vec(x, size, scale_factors)


@torch.library.custom_op("kpu::upsample_bilinear2d", mutates_args=())
def _bilinear(x: torch.Tensor, size: Optional[list[int]], align_corners: bool,
              scale_factors: Optional[list[float]]) -> torch.Tensor:
    return aten.upsample_bilinear2d.vec(x, size, align_corners, scale_factors)


@_bilinear.register_fake
def _bilinear_fake(x, size, align_corners, scale_factors):
    return aten.upsample_bilinear2d.vec(x, size, align_corners, scale_factors)


UPSAMPLE_NEAREST2D = torch.ops.kpu.upsample_nearest2d.default
UPSAMPLE_BILINEAR2D = torch.ops.kpu.upsample_bilinear2d.default


def _output_size(ctx, node, factors):
    in_hw, out_hw = ctx.shape(ctx.arg(node, 0))[2:], ctx.shape(node)[2:]
    if len(out_hw) != 2:
        raise NotLowerable("input is not NCHW")
    # With a scale factor aten maps dst -> floor(dst / scale); the KPU maps dst ->
    # floor(dst * in / out). They agree when out == in * scale exactly.
    for size_in, size_out, scale in zip(in_hw, out_hw, factors or (None, None)):
        if scale is not None and size_in * float(scale) != size_out:
            raise NotLowerable(f"scale factor {scale} is not output/input size")
    return list(out_hw)


@lowers(UPSAMPLE_NEAREST2D, to="upsample_nearest2d")
def upsample_nearest2d(ctx, node):
    factors = ctx.value(ctx.arg(node, 2, "scale_factors"))
    return ctx.emit("upsample_nearest2d", [ctx.tensor(ctx.arg(node, 0))],
                    {"output_size": _output_size(ctx, node, factors)})


@lowers(UPSAMPLE_BILINEAR2D, to="upsample_bilinear2d")
def upsample_bilinear2d(ctx, node):
    align = int(bool(ctx.value(ctx.arg(node, 2, "align_corners"))))
    factors = ctx.value(ctx.arg(node, 3, "scale_factors"))
    # Without align_corners, an explicit scale changes bilinear's source coordinates too.
    return ctx.emit("upsample_bilinear2d", [ctx.tensor(ctx.arg(node, 0))],
                    {"output_size": _output_size(ctx, node, factors), "align_corners": align})
