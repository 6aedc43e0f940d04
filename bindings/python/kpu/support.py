"""The support pass: which nodes of a frozen aten graph can run on the KPU, and why the others
cannot (the reasons the fallback report shows)."""

from __future__ import annotations

import torch
import torch.fx

from .aten import NotLowerable
from .aten_lowering import (Const, LoweringContext, Tensor, foldable, is_getitem,
                            is_shape_arithmetic)


class Support:
    """Which nodes of an aten graph can run on the KPU, and why the others cannot.

    `reasons[node]` is None for a supported node, else the reason. Nodes are judged in graph
    order, each as if its inputs were available on the KPU, so one unsupported op does not
    condemn everything after it.
    """

    def __init__(self, gm: torch.fx.GraphModule, registry: frozenset[str], forced=None,
                 missing: dict[str, str] | None = None):
        from torch._subclasses.fake_tensor import unset_fake_temporarily

        # Runs inside AOTAutograd's fake mode; constants are real tensors and converters may
        # compute with them (folding, a transposed weight).
        with unset_fake_temporarily():
            self._judge(gm, registry, forced, missing)

    def _judge(self, gm, registry, forced, missing):
        self.gm = gm
        self.reasons: dict[torch.fx.Node, str | None] = {}
        self.folded: set[torch.fx.Node] = set()
        # Size arithmetic: supported anywhere, not counted as ops.
        self.shape_nodes: set[torch.fx.Node] = set()
        # node name -> the registry ops its converter emits
        self.ops_by_name: dict[str, tuple[str, ...]] = {}
        forced = forced or (lambda node, ops: None)
        ctx = LoweringContext(registry, _meta_value, None, missing)
        for node in gm.graph.nodes:
            if node.op == "placeholder":
                ctx.env[node] = _as_tensor(node)
            elif node.op == "get_attr":
                value = _fetch_attr(gm, node.target)
                ctx.env[node] = Const(value) if isinstance(value, torch.Tensor) else value
            elif node.op == "call_function" and is_shape_arithmetic(node):
                self.shape_nodes.add(node)
                self.reasons[node] = None
                ctx.lower(node)
            elif node.op == "call_function":
                reason = None
                ctx.emitted_ops = []
                if is_getitem(node) and self.reasons.get(node.args[0]) is not None:
                    self.reasons[node] = "its producer runs in PyTorch"
                    ctx.env[node] = _as_tensor(node)
                    continue
                reason = forced(node, [])
                if reason is not None:  # by its aten name, whether or not it could be lowered
                    self.reasons[node] = reason
                    ctx.env[node] = _as_tensor(node)
                    continue
                try:
                    was_const = foldable(node, ctx.env) and not is_getitem(node)
                    ctx.lower(node)
                    if was_const:
                        self.folded.add(node)
                    else:
                        reason = forced(node, ctx.emitted_ops)
                        self.ops_by_name[node.name] = tuple(ctx.emitted_ops)
                except NotLowerable as e:
                    reason = str(e) or "not lowerable"
                    ctx.env[node] = _as_tensor(node)
                self.reasons[node] = reason
            elif node.op in ("call_method", "call_module"):
                self.reasons[node] = f"{node.op} is not an aten call"
                ctx.env[node] = _as_tensor(node)

    def supported(self, node) -> bool:
        return node in self.reasons and self.reasons[node] is None


def _meta_value(node):
    if "val" not in node.meta:
        raise NotLowerable("no traced shape")
    return node.meta["val"]


def _as_tensor(node):
    """An opaque KPU value for a node computed elsewhere (an input of a region)."""
    v = node.meta.get("val")
    if isinstance(v, torch.Tensor):
        return Tensor(node.name)
    if isinstance(v, (tuple, list)):
        return tuple(Tensor(f"{node.name}_{i}") if isinstance(x, torch.Tensor) else None
                     for i, x in enumerate(v))
    return None


def _fetch_attr(gm, target: str):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj
