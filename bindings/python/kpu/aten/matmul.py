"""Matrix products: mm, bmm, addmm (nn.Linear arrives as addmm(bias, x, permute(W))) and the
composite spellings, onto matmul or linear."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


@lowers(aten.mm.default, aten.bmm.default, aten.matmul.default, to="matmul")
def mm(ctx, node):
    a, b = ctx.arg(node, 0), ctx.arg(node, 1)
    if len(ctx.shape(a)) < 2 or len(ctx.shape(b)) < 2:
        raise NotLowerable("a matmul operand of rank < 2")
    return ctx.emit("matmul", [ctx.tensor(a), ctx.tensor(b)])


@lowers(aten.addmm.default, to=("linear", "matmul", "add"))
def addmm(ctx, node):
    bias, a, b = ctx.arg(node, 0), ctx.arg(node, 1), ctx.arg(node, 2)
    if ctx.float(ctx.arg(node, 3, "beta", default=1)) != 1 or \
            ctx.float(ctx.arg(node, 4, "alpha", default=1)) != 1:
        raise NotLowerable("beta or alpha != 1")
    n = ctx.shape(b)[1]
    weight_t = ctx.const(b)
    row_bias = tuple(ctx.shape(bias)) in ((n,), (1, n))
    if weight_t is not None and row_bias and ctx.has("linear"):
        # The frozen weight, back in nn.Linear's [N, K] layout.
        w = ctx.new_constant("weight", weight_t.t().contiguous())
        b_name = ctx.tensor(bias) if ctx.shape(bias) == (n,) else ctx.reshaped_constant(bias, [n])
        return ctx.emit("linear", [ctx.tensor(a), w, b_name])
    if row_bias and ctx.shape(bias) == (n,):
        return ctx.emit("matmul", [ctx.tensor(a), ctx.tensor(b), ctx.tensor(bias)])
    product = ctx.emit("matmul", [ctx.tensor(a), ctx.tensor(b)])
    return ctx.emit("add", [product, ctx.tensor(bias)])


@lowers(aten.linear.default, to="linear")
def linear(ctx, node):
    inputs = [ctx.tensor(ctx.arg(node, 0)), ctx.tensor(ctx.arg(node, 1))]
    bias = ctx.arg(node, 2, "bias", default=None)
    if bias is not None:
        inputs.append(ctx.tensor(bias))
    return ctx.emit("linear", inputs)
