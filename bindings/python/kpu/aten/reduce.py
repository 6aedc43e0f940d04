"""Reductions over axes: mean, sum, amax (and max over one dim when only its values are used)."""

from __future__ import annotations

import torch

from ._base import NotLowerable, axis, lowers

aten = torch.ops.aten


def _reduction(op, dtype_index):
    def convert(ctx, node):
        x = ctx.arg(node, 0)
        rank = len(ctx.shape(x))
        dims = ctx.arg(node, 1, "dim", default=None)
        dims = list(range(rank)) if not dims else [axis(d, rank) for d in ctx.ints(dims)]
        keepdim = bool(ctx.value(ctx.arg(node, 2, "keepdim", default=False)))
        if dtype_index is not None and ctx.value(ctx.arg(node, dtype_index, "dtype")) not in (
                None, torch.float32):
            raise NotLowerable("a dtype other than float32")
        return ctx.emit(op, [ctx.tensor(x)], {"axes": sorted(set(dims)), "keepdim": int(keepdim)})
    convert.__name__ = op
    return convert


lowers(aten.mean.dim, to="mean")(_reduction("mean", 3))
lowers(aten.sum.dim_IntList, to="sum")(_reduction("sum", 3))
lowers(aten.amax.default, to="amax")(_reduction("amax", None))


@lowers(aten.mean.default, to="mean")
def mean_all(ctx, node):
    # x.mean(): every axis, no dims argument (the dtype is the second one).
    x = ctx.arg(node, 0)
    if ctx.value(ctx.arg(node, 1, "dtype", default=None)) not in (None, torch.float32):
        raise NotLowerable("a dtype other than float32")
    return ctx.emit("mean", [ctx.tensor(x)], {"axes": list(range(len(ctx.shape(x)))), "keepdim": 0})


@lowers(aten.max.dim, to="amax")
def max_dim(ctx, node):
    # torch.max(x, dim) returns (values, indices); the values alone are amax.
    x = ctx.arg(node, 0)
    ctx.only_first_output_used(node, "the indices output")
    dim = axis(ctx.int(ctx.arg(node, 1, "dim")), len(ctx.shape(x)))
    keepdim = bool(ctx.value(ctx.arg(node, 2, "keepdim", default=False)))
    return (ctx.emit("amax", [ctx.tensor(x)], {"axes": [dim], "keepdim": int(keepdim)}), None)
