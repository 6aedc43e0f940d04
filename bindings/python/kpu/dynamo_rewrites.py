"""Rewrites of the Dynamo graph before AOTAutograd, for ops whose aten form would lose the op:
F.interpolate (nearest / bilinear, 4-D) becomes kpu::upsample_nearest2d / _bilinear2d (see
kpu/aten/resize.py), and a batched torch.matmul kpu::matmul (see kpu/aten/matmul.py); each computes
the same values."""

from __future__ import annotations

import operator

import torch
import torch.fx
import torch.nn.functional as F

from .aten.matmul import MATMUL
from .aten.resize import UPSAMPLE_BILINEAR2D, UPSAMPLE_NEAREST2D
from .fx_util import replace_node

# F.interpolate's parameters, in order.
_PARAMS = ("input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
           "antialias")


def _pair(value, cast):
    if value is None:
        return None
    values = list(value) if isinstance(value, (list, tuple)) else [value, value]
    if len(values) != 2 or any(isinstance(v, torch.fx.Node) for v in values):
        raise ValueError("not a constant pair")
    return [cast(v) for v in values]


def rewrite_interpolate(gm: torch.fx.GraphModule) -> int:
    """Rewrites the F.interpolate calls it can, in place; returns how many."""
    done = 0
    for node in list(gm.graph.nodes):
        if node.op != "call_function" or node.target is not F.interpolate:
            continue
        args = dict(zip(_PARAMS, node.args))
        args.update(node.kwargs)
        x = args.get("input")
        example = x.meta.get("example_value") if isinstance(x, torch.fx.Node) else None
        mode = args.get("mode", "nearest")
        if not isinstance(example, torch.Tensor) or example.dim() != 4 or \
                mode not in ("nearest", "bilinear") or args.get("antialias", False) or \
                args.get("recompute_scale_factor") not in (None, False):
            continue
        try:
            size = _pair(args.get("size"), int)
            scales = _pair(args.get("scale_factor"), float)
        except ValueError:
            continue
        if (size is None) == (scales is None):
            continue
        if mode == "nearest":
            target, new_args = UPSAMPLE_NEAREST2D, (x, size, scales)
        else:
            align = args.get("align_corners")
            target, new_args = UPSAMPLE_BILINEAR2D, (x, size, bool(align), scales)
        replace_node(gm.graph, node, lambda: gm.graph.call_function(target, new_args))
        done += 1
    if done:
        gm.recompile()
    return done


def _is_matmul(node: torch.fx.Node) -> bool:
    if node.op == "call_function":
        return node.target in (operator.matmul, torch.matmul, torch.Tensor.matmul)
    return node.op == "call_method" and node.target in ("matmul", "__matmul__")


def rewrite_matmul(gm: torch.fx.GraphModule) -> int:
    """Rewrites torch.matmul calls whose B has rank >= 3 (the ones aten would expand), in place;
    returns how many. A B of rank 2 is left alone: aten folds A's batches into one mm, which the
    KPU runs as it is (and nn.Linear-like products keep their form)."""
    done = 0
    for node in list(gm.graph.nodes):
        if not _is_matmul(node) or len(node.args) != 2 or node.kwargs:
            continue
        examples = [a.meta.get("example_value") if isinstance(a, torch.fx.Node) else None
                    for a in node.args]
        if not all(isinstance(e, torch.Tensor) for e in examples):
            continue
        a, b = examples
        if a.dim() < 2 or b.dim() < 3:
            continue
        replace_node(gm.graph, node, lambda: gm.graph.call_function(MATMUL, tuple(node.args)))
        done += 1
    if done:
        gm.recompile()
    return done
