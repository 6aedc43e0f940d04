"""Layout ops: reshape-like views, permute/transpose, concat, split, slice, select, pad, and the
aliases that need no KPU op at all (clone, detach, alias, a same-dtype _to_copy)."""

from __future__ import annotations

import math

import torch

from ._base import NotLowerable, axis, lowers

aten = torch.ops.aten

# slice's "to the end" sentinel, INT64_MAX.
_END = 2**63 - 1


def _reshape_to_output(ctx, node):
    # The output's (concrete) shape says everything, whichever spelling produced it.
    return ctx.emit("reshape", [ctx.tensor(ctx.arg(node, 0))], {"shape": list(ctx.shape(node))})


lowers(aten.view.default, aten._unsafe_view.default, aten.reshape.default,
       aten.squeeze.default, aten.squeeze.dim, aten.squeeze.dims, aten.unsqueeze.default,
       aten.flatten.using_ints, to="reshape")(_reshape_to_output)


@lowers(aten.expand.default, to="reshape")
def expand(ctx, node):
    src, out = ctx.shape(ctx.arg(node, 0)), ctx.shape(node)
    if math.prod(src) != math.prod(out):
        raise NotLowerable(f"expand from {list(src)} to {list(out)} broadcasts data; the KPU "
                           "broadcasts only inside binary ops")
    return _reshape_to_output(ctx, node)


def _alias(ctx, node):
    return ctx.alias(ctx.arg(node, 0))


lowers(aten.clone.default, aten.alias.default, aten.detach.default,
       aten.lift_fresh_copy.default)(_alias)


@lowers(aten._to_copy.default)
def to_copy(ctx, node):
    src, out = ctx.value(ctx.arg(node, 0)), ctx.value(node)
    if src.dtype != out.dtype or src.device != out.device:
        raise NotLowerable(f"a copy from {src.dtype} to {out.dtype}")
    return ctx.alias(ctx.arg(node, 0))


@lowers(aten.permute.default, to="permute")
def permute(ctx, node):
    x = ctx.arg(node, 0)
    rank = len(ctx.shape(x))
    perm = [axis(d, rank) for d in ctx.ints(ctx.arg(node, 1))]
    return ctx.emit("permute", [ctx.tensor(x)], {"perm": perm})


@lowers(aten.transpose.int, to="permute")
def transpose(ctx, node):
    x = ctx.arg(node, 0)
    rank = len(ctx.shape(x))
    perm = list(range(rank))
    a, b = axis(ctx.int(ctx.arg(node, 1)), rank), axis(ctx.int(ctx.arg(node, 2)), rank)
    perm[a], perm[b] = perm[b], perm[a]
    return ctx.emit("permute", [ctx.tensor(x)], {"perm": perm})


@lowers(aten.t.default, to="permute")
def t(ctx, node):
    x = ctx.arg(node, 0)
    if len(ctx.shape(x)) < 2:
        return ctx.alias(x)
    return ctx.emit("permute", [ctx.tensor(x)], {"perm": [1, 0]})


@lowers(aten.cat.default, to="concat")
def cat(ctx, node):
    tensors = [x for x in ctx.arg(node, 0)
               # torch.cat skips legacy empty 1-D tensors.
               if not (len(ctx.shape(x)) == 1 and ctx.shape(x)[0] == 0)]
    rank = len(ctx.shape(node))
    dim = axis(ctx.int(ctx.arg(node, 1, "dim", default=0)), rank)
    return ctx.emit("concat", [ctx.tensor(x) for x in tensors], {"axis": dim})


def _split(ctx, node, sizes, dim):
    x = ctx.arg(node, 0)
    shape = ctx.shape(x)
    dim = axis(dim, len(shape))
    if sum(sizes) != shape[dim]:
        raise NotLowerable(f"split sizes {sizes} do not add up to {shape[dim]}")
    names = ctx.emit("split", [ctx.tensor(x)], {"axis": dim, "sizes": sizes},
                     outputs=len(sizes))
    return tuple(names)


@lowers(aten.split_with_sizes.default, to="split")
def split_with_sizes(ctx, node):
    return _split(ctx, node, ctx.ints(ctx.arg(node, 1)),
                  ctx.int(ctx.arg(node, 2, "dim", default=0)))


@lowers(aten.split.Tensor, to="split")
def split(ctx, node):
    dim = ctx.int(ctx.arg(node, 2, "dim", default=0))
    length = ctx.shape(ctx.arg(node, 0))[axis(dim, len(ctx.shape(ctx.arg(node, 0))))]
    size = ctx.int(ctx.arg(node, 1))
    if size <= 0:
        raise NotLowerable(f"split size {size}")
    sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    return _split(ctx, node, sizes, dim)


@lowers(aten.slice.Tensor, to="slice")
def slice_(ctx, node):
    x = ctx.arg(node, 0)
    shape = ctx.shape(x)
    dim = axis(ctx.int(ctx.arg(node, 1, "dim", default=0)), len(shape))
    start = ctx.arg(node, 2, "start", default=None)
    end = ctx.arg(node, 3, "end", default=None)
    step = ctx.int(ctx.arg(node, 4, "step", default=1))
    if step <= 0:
        raise NotLowerable(f"slice step {step}")
    # Clamped like Python's slicing, so the KPU never sees INT64_MAX.
    begin, stop, _ = slice(0 if start is None else ctx.int(start),
                           _END if end is None else ctx.int(end)).indices(shape[dim])
    return ctx.emit("slice", [ctx.tensor(x)], {"axis": dim, "start": begin, "end": stop,
                                               "step": step})


@lowers(aten.select.int, to=("slice", "reshape"))
def select(ctx, node):
    # x[:, i]: the one-wide slice at i, without its axis.
    x = ctx.arg(node, 0)
    shape = ctx.shape(x)
    dim = axis(ctx.int(ctx.arg(node, 1)), len(shape))
    index = ctx.int(ctx.arg(node, 2))
    if not -shape[dim] <= index < shape[dim]:
        raise NotLowerable(f"index {index} out of range for size {shape[dim]}")
    index %= shape[dim]
    part = ctx.emit("slice", [ctx.tensor(x)], {"axis": dim, "start": index, "end": index + 1,
                                               "step": 1})
    return ctx.emit("reshape", [part], {"shape": list(ctx.shape(node))})


@lowers(aten.constant_pad_nd.default, to="pad")
def constant_pad_nd(ctx, node):
    x = ctx.arg(node, 0)
    rank = len(ctx.shape(x))
    torch_pads = ctx.ints(ctx.arg(node, 1))
    if len(torch_pads) % 2 or len(torch_pads) // 2 > rank:
        raise NotLowerable(f"pad list of length {len(torch_pads)} for rank {rank}")
    if any(p < 0 for p in torch_pads):
        raise NotLowerable("negative padding (cropping)")
    begin, end = [0] * rank, [0] * rank
    # torch lists (begin, end) pairs from the last dim backwards.
    for i in range(len(torch_pads) // 2):
        begin[rank - 1 - i], end[rank - 1 - i] = torch_pads[2 * i], torch_pads[2 * i + 1]
    value = ctx.float(ctx.arg(node, 2, "value", default=0.0))
    return ctx.emit("pad", [ctx.tensor(x)], {"pads": begin + end, "value": value})
