"""Rewrites of the Dynamo graph before AOTAutograd, for ops whose aten form would lose the op:
F.interpolate (nearest / bilinear, 4-D) becomes kpu::upsample_nearest2d / _bilinear2d, which
compute the same values (see kpu/aten/resize.py)."""

from __future__ import annotations

import torch
import torch.fx
import torch.nn.functional as F

from .aten.resize import UPSAMPLE_BILINEAR2D, UPSAMPLE_NEAREST2D

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
        with gm.graph.inserting_before(node):
            new = gm.graph.call_function(target, new_args)
        new.meta.update(node.meta)
        node.replace_all_uses_with(new)
        gm.graph.erase_node(node)
        done += 1
    if done:
        gm.recompile()
    return done
