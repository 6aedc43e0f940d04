"""Matrix products: mm, bmm, addmm (nn.Linear arrives as addmm(bias, x, permute(W))) and the
composite spellings, onto matmul or linear.

torch.matmul is CompositeImplicit: AOTAutograd decomposes a batched one into expand + clone +
view + bmm, materializing the broadcast batches, which the KPU cannot express (it broadcasts inside
the op). So torch.matmul with a B of rank >= 3 is rewritten in the Dynamo graph
(kpu/dynamo_rewrites.py) into kpu::matmul below, which computes torch.matmul (eagerly, in PyTorch,
when it falls back) and reaches the aten graph whole, as the registry's broadcasting matmul.
"""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


@torch.library.custom_op("kpu::matmul", mutates_args=())
def _matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.matmul(a, b)


@_matmul.register_fake
def _matmul_fake(a, b):
    return torch.matmul(a, b)


MATMUL = torch.ops.kpu.matmul.default


@lowers(aten.mm.default, aten.bmm.default, aten.matmul.default, MATMUL, to="matmul")
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
