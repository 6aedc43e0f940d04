"""Normalization: eval-mode batch norm -> batch_norm (weights and statistics are frozen
constants, so the compiler can fold them into the preceding convolution)."""

from __future__ import annotations

import torch

from ._base import NotLowerable, lowers

aten = torch.ops.aten


@lowers(aten._native_batch_norm_legit_no_training.default, to="batch_norm")
def batch_norm(ctx, node):
    x, weight, bias, mean, var, _momentum, eps = (ctx.arg(node, i) for i in range(7))
    ctx.only_first_output_used(node, "the saved mean/invstd outputs")
    channels = ctx.shape(x)[1] if len(ctx.shape(x)) > 1 else 1
    # affine=False leaves weight and bias out; the KPU op always takes them.
    w = ctx.tensor(weight) if weight is not None else ctx.new_constant("ones", torch.ones(channels))
    b = ctx.tensor(bias) if bias is not None else ctx.new_constant("zeros", torch.zeros(channels))
    if mean is None or var is None:
        raise NotLowerable("batch norm without running statistics")
    y = ctx.emit("batch_norm", [ctx.tensor(x), w, b, ctx.tensor(mean), ctx.tensor(var)],
                 {"epsilon": ctx.float(eps)})
    return (y, None, None)
