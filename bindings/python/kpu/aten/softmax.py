"""softmax and log_softmax along one axis."""

from __future__ import annotations

import torch

from ._base import NotLowerable, axis, lowers

aten = torch.ops.aten


def _softmax(op):
    def convert(ctx, node):
        x = ctx.arg(node, 0)
        if ctx.value(ctx.arg(node, 2, default=False)):
            raise NotLowerable("half_to_float")
        dim = axis(ctx.int(ctx.arg(node, 1)), len(ctx.shape(x)))
        return ctx.emit(op, [ctx.tensor(x)], {"axis": dim})
    convert.__name__ = op
    return convert


lowers(aten._softmax.default, to="softmax")(_softmax("softmax"))
lowers(aten._log_softmax.default, to="log_softmax")(_softmax("log_softmax"))
