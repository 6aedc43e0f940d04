"""FX graph surgery the backend's rewrites share."""

from __future__ import annotations

from typing import Callable

import torch.fx


def replace_node(graph: torch.fx.Graph, node: torch.fx.Node, make: Callable[[], torch.fx.Node],
                 meta: dict | None = None) -> torch.fx.Node:
    """Puts the node `make()` creates where `node` stood: every user of `node` reads it instead,
    it carries `meta` (default: all of `node`'s, so shapes and sources survive) and `node` goes."""
    with graph.inserting_before(node):
        new = make()
    new.meta.update(node.meta if meta is None else meta)
    node.replace_all_uses_with(new)
    graph.erase_node(node)
    return new
