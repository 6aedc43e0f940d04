"""Reductions over axes: mean, sum, amax."""

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
