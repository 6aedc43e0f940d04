"""Parameters and buffers become constants of the graph (ARCHITECTURE.md decision 12).

Two steps, the way inductor's freezing does it:
  1. `freeze_dynamo_graph`: Dynamo passes an inlined module's parameters and buffers as graph
     inputs; they become attributes (get_attr) of its graph again, so AOTAutograd lifts them as
     the module's parameters and knows their real values (TracingContext.params_flat).
  2. `freeze_aten_graph`: in the inference compiler, those leading inputs of the aten graph are
     replaced by get_attr nodes holding the real tensors: constants the partitioner and the KPU
     lowering can see (and fold, e.g. BatchNorm statistics).
The constants are the live tensors, not copies: PyTorch code always reads current values, and a
KPU region rebuilds its programs when one changes in place (kpu/region.py).
"""

from __future__ import annotations

import torch
import torch.fx

from .fx_util import replace_node


def _register(gm: torch.fx.GraphModule, attr: str, value: torch.Tensor) -> None:
    """Makes `value` gm's parameter (if it is one) or buffer named `attr`."""
    if isinstance(value, torch.nn.Parameter):
        gm.register_parameter(attr, value)
    else:
        gm.register_buffer(attr, value)


def _is_param_or_buffer(node: torch.fx.Node) -> bool:
    grapharg = node.meta.get("grapharg")
    if grapharg is None:
        return False
    try:
        example = grapharg.example
    except Exception:  # noqa: BLE001  (a dead weak reference: not freezable)
        return False
    if not isinstance(example, torch.Tensor):
        return False
    source = grapharg.source.name if grapharg.source is not None else ""
    return isinstance(example, torch.nn.Parameter) or "._buffers[" in source


def copy_graph_module(gm: torch.fx.GraphModule) -> torch.fx.GraphModule:
    """A copy of the graph sharing attributes and node metadata (Dynamo reads the graph it
    handed to the backend again afterwards, so that one must stay as it was)."""
    graph, copied = torch.fx.Graph(), {}
    graph.output(graph.graph_copy(gm.graph, copied))
    for old, new in copied.items():
        # Dynamo's per-input source, which AOTAutograd reads.
        if hasattr(old, "_dynamo_source"):
            new._dynamo_source = old._dynamo_source
    copy = torch.fx.GraphModule(gm, graph)
    copy.meta.update(gm.meta)
    if hasattr(gm, "_param_name_to_source"):
        copy._param_name_to_source = dict(gm._param_name_to_source)
    return copy


def freeze_dynamo_graph(gm: torch.fx.GraphModule) -> tuple[torch.fx.GraphModule, list[int]]:
    """A copy of a Dynamo graph with its parameter/buffer inputs turned into attributes, and the
    indices of the inputs that remain (the ones the copy still takes)."""
    gm = copy_graph_module(gm)
    kept = []
    for i, node in enumerate([n for n in gm.graph.nodes if n.op == "placeholder"]):
        if not _is_param_or_buffer(node):
            kept.append(i)
            continue
        value = node.meta["grapharg"].example
        attr = f"_kpu_frozen_{i}"
        _register(gm, attr, value)
        # AOTAutograd matches every lifted parameter to its Dynamo source (for guards and
        # dedup); a Dynamo graph keeps that map in _param_name_to_source.
        sources = getattr(gm, "_param_name_to_source", None)
        if sources is not None:
            sources[attr] = node.meta["grapharg"].source
        replace_node(gm.graph, node, lambda: gm.graph.get_attr(attr),
                     {k: v for k, v in node.meta.items() if k in ("example_value", "val")})
    gm.recompile()
    return gm, kept


def freeze_aten_graph(gm: torch.fx.GraphModule, params: list) -> int:
    """Replaces the first len(params) inputs of an aten graph by get_attr constants holding
    `params`, in place. Returns how many inputs were replaced."""
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(params) > len(placeholders):
        raise RuntimeError(f"{len(params)} parameters for {len(placeholders)} graph inputs")
    freeze_inputs(gm, dict(enumerate(params)))
    return len(params)


def freeze_inputs(gm: torch.fx.GraphModule, values: dict) -> None:
    """Replaces the inputs at the indices of `values` by get_attr constants holding them, in
    place."""
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    for i, value in sorted(values.items()):
        node = placeholders[i]
        attr = f"_kpu_const_{i}"
        _register(gm, attr, value)
        replace_node(gm.graph, node, lambda: gm.graph.get_attr(attr))
    gm.recompile()
