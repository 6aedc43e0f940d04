"""Binary elementwise ops: add, sub, mul, div with numpy broadcasting. Python numbers become
rank-0 constants; add/sub's alpha is folded into the second operand."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


def _operand(ctx, value) -> str:
    if ctx.is_node(value):
        if not isinstance(ctx.value(value), torch.Tensor):
            # A size computed on the host (x * x.shape[1]): fixed for one input signature.
            return ctx.scalar(ctx.float(value))
        return ctx.tensor(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NotLowerable(f"operand {value!r} is neither a tensor nor a number")
    return ctx.scalar(value)


def _scaled(ctx, value, alpha) -> str:
    """`value * alpha` as a KPU tensor: folded when it is a number or a constant."""
    alpha = ctx.float(alpha)
    if alpha == 1.0:
        return _operand(ctx, value)
    if not ctx.is_node(value) or not isinstance(ctx.value(value), torch.Tensor):
        return ctx.scalar(ctx.float(value) * alpha)
    const = ctx.const(value)
    if const is not None:
        return ctx.new_constant("scaled", const * alpha)
    return ctx.emit("mul", [ctx.tensor(value), ctx.scalar(alpha)])


def _with_alpha(op):
    def convert(ctx, node):
        a, b = ctx.arg(node, 0), ctx.arg(node, 1)
        rhs = _scaled(ctx, b, ctx.arg(node, 2, "alpha", default=1))
        return ctx.emit(op, [_operand(ctx, a), rhs])
    convert.__name__ = op
    return convert


def _plain(op):
    def convert(ctx, node):
        return ctx.emit(op, [_operand(ctx, ctx.arg(node, 0)), _operand(ctx, ctx.arg(node, 1))])
    convert.__name__ = op
    return convert


lowers(aten.add.Tensor, aten.add.Scalar, to=("add", "mul"))(_with_alpha("add"))
lowers(aten.sub.Tensor, aten.sub.Scalar, to=("sub", "mul"))(_with_alpha("sub"))
lowers(aten.mul.Tensor, aten.mul.Scalar, to="mul")(_plain("mul"))
lowers(aten.div.Tensor, aten.div.Scalar, to="div")(_plain("div"))


@lowers(aten.rsub.Scalar, to=("sub", "mul"))
def rsub(ctx, node):
    # other - alpha * self
    x, other = ctx.arg(node, 0), ctx.arg(node, 1)
    return ctx.emit("sub", [_operand(ctx, other),
                            _scaled(ctx, x, ctx.arg(node, 2, "alpha", default=1))])
