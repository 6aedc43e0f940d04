"""The aten table's entry type and the decorator every family file registers with.

An entry maps one aten overload (torch.ops.aten.convolution.default, keyed on the overload, so
each op has exactly one spelling) to the registry ops of libkpu it may emit, and to a converter
that reads the call's arguments through a lowering context (kpu/aten_lowering.py) and emits KPU
nodes. A converter that cannot take a particular call raises NotLowerable with the reason; the
reason is what the fallback report shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch


FLOAT32_ONLY = (torch.float32,)


class NotLowerable(Exception):
    """This call cannot run on the KPU; str(e) says why, in words for the fallback report."""


@dataclass(frozen=True)
class AtenEntry:
    overload: torch._ops.OpOverload
    # Registry ops (names as ops_contract.md) the converter may emit; () for pure aliases.
    ops: tuple[str, ...]
    convert: Callable
    # Kept out of the core-aten decompositions, so that the KPU sees the op itself instead of
    # the primitives it decomposes into (silu, not sigmoid * mul).
    keep: bool = False
    # The tensor dtypes the converter takes, in and out (outputs nobody reads excepted); any other
    # makes the call fall back with reason "dtype <name>". libkpu's compiler emits float32 only in
    # this release, so every entry takes float32 alone; an entry may list more once libkpu
    # compiles them (tests/test_registry_coverage.py checks).
    dtypes: tuple[torch.dtype, ...] = FLOAT32_ONLY


TABLE: dict[torch._ops.OpOverload, AtenEntry] = {}


def lowers(*overloads, to=(), keep: bool = False, dtypes: tuple[torch.dtype, ...] = FLOAT32_ONLY):
    """Registers the decorated converter for each overload; `to` is the registry op (or ops) it
    emits, `dtypes` the tensor dtypes it accepts."""
    ops = (to,) if isinstance(to, str) else tuple(to)

    def register(convert):
        for overload in overloads:
            if overload in TABLE:
                raise RuntimeError(f"two aten table entries for {overload}")
            TABLE[overload] = AtenEntry(overload, ops, convert, keep, tuple(dtypes))
        return convert

    return register


def pair(values, what: str) -> list[int]:
    """A 2-element int list from aten's int[2] arguments (which may hold one value)."""
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise NotLowerable(f"{what} has {len(values)} values, expected 2")
    return [int(v) for v in values]


def axis(dim: int, rank: int) -> int:
    """A non-negative axis from a possibly negative torch dim."""
    if not -rank <= dim < max(rank, 1):
        raise NotLowerable(f"dim {dim} out of range for rank {rank}")
    return dim % max(rank, 1)
