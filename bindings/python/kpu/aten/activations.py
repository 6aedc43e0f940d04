"""Elementwise activations, one row each."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


def _unary(op):
    def convert(ctx, node):
        return ctx.emit(op, [ctx.tensor(ctx.arg(node, 0))])
    convert.__name__ = op
    return convert


lowers(aten.relu.default, to="relu")(_unary("relu"))
lowers(aten.sigmoid.default, to="sigmoid")(_unary("sigmoid"))
lowers(aten.tanh.default, to="tanh")(_unary("tanh"))
# core-aten would rewrite these three into sigmoid/mul/clamp chains; the KPU has them whole.
lowers(aten.silu.default, to="silu", keep=True)(_unary("silu"))
lowers(aten.hardswish.default, to="hardswish", keep=True)(_unary("hardswish"))
lowers(aten.hardsigmoid.default, to="hardsigmoid", keep=True)(_unary("hardsigmoid"))


@lowers(aten.hardtanh.default, to="hardtanh")
def hardtanh(ctx, node):
    # relu6 arrives here as hardtanh(0, 6).
    lo = ctx.float(ctx.arg(node, 1, default=-1.0))
    hi = ctx.float(ctx.arg(node, 2, default=1.0))
    return ctx.emit("hardtanh", [ctx.tensor(ctx.arg(node, 0))], {"min_val": lo, "max_val": hi})


@lowers(aten.leaky_relu.default, to="leaky_relu")
def leaky_relu(ctx, node):
    slope = ctx.float(ctx.arg(node, 1, default=0.01))
    return ctx.emit("leaky_relu", [ctx.tensor(ctx.arg(node, 0))], {"negative_slope": slope})


@lowers(aten.gelu.default, to="gelu")
def gelu(ctx, node):
    approximate = ctx.value(ctx.arg(node, 1, "approximate", default="none"))
    if approximate not in ("none", "tanh"):
        raise NotLowerable(f"approximate={approximate!r}")
    return ctx.emit("gelu", [ctx.tensor(ctx.arg(node, 0))], {"approximate": approximate})


@lowers(aten.clamp.default, to="clamp")
def clamp(ctx, node):
    attrs = {}
    for index, name in ((1, "min"), (2, "max")):
        bound = ctx.arg(node, index, name)
        if bound is None:
            continue  # absent = unbounded on that side
        if ctx.is_node(bound):
            raise NotLowerable(f"a {name} bound that is not a constant number")
        attrs[name] = ctx.float(bound)
    return ctx.emit("clamp", [ctx.tensor(ctx.arg(node, 0))], attrs)


@lowers(aten.clamp_min.default, to="clamp")
def clamp_min(ctx, node):
    return ctx.emit("clamp", [ctx.tensor(ctx.arg(node, 0))], {"min": ctx.float(ctx.arg(node, 1))})


@lowers(aten.clamp_max.default, to="clamp")
def clamp_max(ctx, node):
    return ctx.emit("clamp", [ctx.tensor(ctx.arg(node, 0))], {"max": ctx.float(ctx.arg(node, 1))})

