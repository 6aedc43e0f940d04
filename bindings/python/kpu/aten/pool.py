"""Pooling: max_pool2d_with_indices (indices unused), avg_pool2d, adaptive pools."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers, pair

aten = torch.ops.aten


def _window(ctx, kernel, stride, padding):
    kernel = pair(ctx.ints(kernel), "kernel_size")
    stride = ctx.ints(stride) if stride is not None else []
    # aten's empty stride means "the kernel size".
    stride = pair(stride, "stride") if stride else list(kernel)
    return kernel, stride, pair(ctx.ints(padding), "padding")


def _rank4(ctx, x):
    if len(ctx.shape(x)) != 4:
        raise NotLowerable(f"input of rank {len(ctx.shape(x))}; the KPU pools NCHW only")


@lowers(aten.max_pool2d_with_indices.default, to="max_pool2d")
def max_pool2d_with_indices(ctx, node):
    x = ctx.arg(node, 0)
    _rank4(ctx, x)
    ctx.only_first_output_used(node, "the indices output")
    kernel, stride, padding = _window(ctx, ctx.arg(node, 1), ctx.arg(node, 2, default=[]),
                                      ctx.arg(node, 3, default=[0, 0]))
    dilation = pair(ctx.ints(ctx.arg(node, 4, default=[1, 1])), "dilation")
    ceil = int(bool(ctx.value(ctx.arg(node, 5, default=False))))
    y = ctx.emit("max_pool2d", [ctx.tensor(x)], {"kernel": kernel, "stride": stride,
                                                 "padding": padding, "dilation": dilation,
                                                 "ceil_mode": ceil})
    return (y, None)


@lowers(aten.avg_pool2d.default, to="avg_pool2d")
def avg_pool2d(ctx, node):
    x = ctx.arg(node, 0)
    _rank4(ctx, x)
    kernel, stride, padding = _window(ctx, ctx.arg(node, 1), ctx.arg(node, 2, default=[]),
                                      ctx.arg(node, 3, default=[0, 0]))
    ceil = int(bool(ctx.value(ctx.arg(node, 4, default=False))))
    include_pad = int(bool(ctx.value(ctx.arg(node, 5, default=True))))
    divisor = ctx.value(ctx.arg(node, 6, default=None))
    return ctx.emit("avg_pool2d", [ctx.tensor(x)], {
        "kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil,
        "count_include_pad": include_pad, "divisor_override": 0 if divisor is None
        else ctx.int(divisor)})


@lowers(aten._adaptive_avg_pool2d.default, to="adaptive_avg_pool2d")
def adaptive_avg_pool2d(ctx, node):
    x = ctx.arg(node, 0)
    _rank4(ctx, x)
    size = pair(ctx.ints(ctx.arg(node, 1)), "output_size")
    return ctx.emit("adaptive_avg_pool2d", [ctx.tensor(x)], {"output_size": size})


@lowers(aten.adaptive_max_pool2d.default, to="adaptive_max_pool2d")
def adaptive_max_pool2d(ctx, node):
    x = ctx.arg(node, 0)
    _rank4(ctx, x)
    ctx.only_first_output_used(node, "the indices output")
    size = pair(ctx.ints(ctx.arg(node, 1)), "output_size")
    return (ctx.emit("adaptive_max_pool2d", [ctx.tensor(x)], {"output_size": size}), None)
