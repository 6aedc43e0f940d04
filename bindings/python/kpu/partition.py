"""Splits a frozen aten graph into KPU regions and PyTorch code.

Supported nodes (kpu.support.Support) are grouped by torch's CapabilityBasedPartitioner
into connected regions with no cycles through PyTorch; regions with fewer than `min_block_size`
KPU ops stay in PyTorch. Each kept region becomes a `fused` submodule that the backend replaces
by a KPURegion.
"""

from __future__ import annotations

import operator

import torch
import torch.fx
from torch.fx.passes.infra.partitioner import CapabilityBasedPartitioner
from torch.fx.passes.operator_support import OperatorSupportBase

from .aten_lowering import op_name
from .report import FallbackReport, OpRecord
from .support import Support

REGION_PREFIX = "kpu_region_"


class _KPUSupport(OperatorSupportBase):
    def __init__(self, support: Support):
        self._support = support

    def is_node_supported(self, submodules, node) -> bool:
        return self._support.supported(node)


def _counted(node, support: Support) -> bool:
    """Nodes the report counts: aten calls, not the getitems that unpack their outputs nor size
    arithmetic."""
    return node.op in ("call_function", "call_method", "call_module") and \
        node.target is not operator.getitem and node not in support.shape_nodes


def partition(gm: torch.fx.GraphModule, support: Support, min_block_size: int, name: str):
    """Fuses the KPU regions of `gm` in place. Returns (gm, report, regions) where regions maps
    each region's submodule name to the names of its nodes."""
    partitioner = CapabilityBasedPartitioner(gm, _KPUSupport(support),
                                             allows_single_node_partition=True)
    kept, why_not = [], {}
    for part in partitioner.propose_partitions():
        work = [n for n in part.nodes if _counted(n, support) and n not in support.folded]
        if not work:
            # Only constants: PyTorch computes them where they are used.
            reason = "a constant used only by PyTorch code"
        elif len(work) < min_block_size:
            reason = (f"in a KPU block of {len(work)} op(s), fewer than "
                      f"min_block_size={min_block_size}")
        else:
            kept.append(part)
            continue
        for n in part.nodes:
            why_not[n] = reason

    region_of = {}
    for i, part in enumerate(kept):
        for n in part.nodes:
            region_of[n] = f"{REGION_PREFIX}{i}"

    report = FallbackReport(name, regions=[f"{REGION_PREFIX}{i}" for i in range(len(kept))])
    for node in gm.graph.nodes:
        if not _counted(node, support):
            continue
        if node in region_of:
            where = "folded" if node in support.folded else "kpu"
            report.records.append(OpRecord(node.name, op_name(node), where,
                                           region=region_of[node]))
        else:
            reason = why_not.get(node) or support.reasons.get(node) or "not supported"
            report.records.append(OpRecord(node.name, op_name(node), "torch", reason))
    regions = {f"{REGION_PREFIX}{i}": [n.name for n in part.nodes] for i, part in enumerate(kept)}
    if kept:
        gm = partitioner.fuse_partitions(kept, prefix=REGION_PREFIX)
    return gm, report, regions
