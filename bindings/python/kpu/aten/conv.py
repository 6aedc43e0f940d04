"""Convolutions: aten.convolution -> conv2d or conv_transpose2d."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers, pair

aten = torch.ops.aten


@lowers(aten.convolution.default, to=("conv2d", "conv_transpose2d"))
def convolution(ctx, node):
    x, w, bias, stride, padding, dilation, transposed, output_padding, groups = (
        ctx.arg(node, i) for i in range(9))
    if len(ctx.shape(x)) != 4:
        raise NotLowerable(f"{len(ctx.shape(x)) - 2}-D convolution; the KPU has 2-D only")
    inputs = [ctx.tensor(x), ctx.tensor(w)]
    if bias is not None:
        inputs.append(ctx.tensor(bias))
    stride, dilation = pair(ctx.ints(stride), "stride"), pair(ctx.ints(dilation), "dilation")
    pad = pair(ctx.ints(padding), "padding")
    groups = ctx.int(groups)
    if ctx.value(transposed):
        return ctx.emit("conv_transpose2d", inputs, {
            "stride": stride, "padding": pad,
            "output_padding": pair(ctx.ints(output_padding), "output_padding"),
            "dilation": dilation, "groups": groups})
    # aten pads symmetrically; the KPU takes top, left, bottom, right.
    return ctx.emit("conv2d", inputs, {"stride": stride, "padding": pad + pad,
                                       "dilation": dilation, "groups": groups})
