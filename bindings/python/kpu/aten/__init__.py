"""The aten table: one entry per core-aten overload, organised by family (conv, pool,
activations, binary, shape, reduce, matmul, norm, softmax, resize). Each entry names the libkpu
registry ops it emits (names and attributes as the op contract) and converts the call's
arguments. tests/test_registry_coverage.py keeps this table and libkpu's registry in step.
"""

from __future__ import annotations

import torch

# Importing a family file registers its entries.
from . import activations, binary, conv, matmul, norm, pool, reduce, resize, shape, softmax  # noqa: F401
from ._base import TABLE, AtenEntry, NotLowerable

__all__ = ["TABLE", "AtenEntry", "NotLowerable", "decompositions", "dtypes_by_registry_op", "entry_for",
           "registry_ops"]


def entry_for(target) -> AtenEntry | None:
    try:
        return TABLE.get(target)
    except TypeError:  # an unhashable target has no entry
        return None


def registry_ops() -> frozenset[str]:
    """Every registry op some entry can emit."""
    return frozenset(op for entry in TABLE.values() for op in entry.ops)


def dtypes_by_registry_op() -> dict[str, frozenset[torch.dtype]]:
    """For every registry op some entry emits, the tensor dtypes those entries accept."""
    table: dict[str, set[torch.dtype]] = {}
    for entry in TABLE.values():
        for op in entry.ops:
            table.setdefault(op, set()).update(entry.dtypes)
    return {op: frozenset(d) for op, d in sorted(table.items())}


def decompositions() -> dict:
    """torch's core-aten decompositions, minus the ops the KPU takes whole (entries with
    keep=True), so each op reaches the backend in one spelling."""
    from torch._decomp import core_aten_decompositions

    table = dict(core_aten_decompositions())
    for overload, entry in TABLE.items():
        if entry.keep:
            table.pop(overload, None)
    return table
