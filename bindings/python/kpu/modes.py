"""The enums callers pass to compile and execute. Values come from kpu.h through the native
module, so they cannot drift from the C ABI."""

from __future__ import annotations

import enum

from ._native import lib


class SimulationMode(enum.IntEnum):
    """Timing fidelity. Every mode computes the true outputs (ARCHITECTURE.md decision 3).

    The seeds use two vocabularies: FUNCTIONAL (seed 004) and BEHAVIORAL (seed 000) are the same
    mode.
    """

    FUNCTIONAL = lib.MODE_FUNCTIONAL
    BEHAVIORAL = lib.MODE_BEHAVIORAL
    TRANSACTIONAL = lib.MODE_TRANSACTIONAL
    CYCLE_ACCURATE = lib.MODE_CYCLE_ACCURATE
    POWER_TRACE = lib.MODE_POWER_TRACE

    @classmethod
    def parse(cls, value) -> "SimulationMode":
        """From a member, its int value, or a name in either vocabulary ("cycle_accurate")."""
        if isinstance(value, str):
            key = value.strip().upper().replace("-", "_")
            if key not in cls.__members__:
                raise ValueError(f"unknown simulation mode {value!r}; expected one of "
                                 + ", ".join(m.lower() for m in cls.__members__))
            return cls[key]
        return cls(value)


# Seed 000 calls the mode "fidelity".
Fidelity = SimulationMode


class Engine(enum.IntEnum):
    """How values are computed: FAST runs whole ops with optimized kernels; DFX_INTERPRETER runs
    the DFX program tile by tile (slow; it checks the tiling); DFX_INTERPRETER_REORDERED runs the
    same tiles in another order the program's dependencies allow (newest ready first), so a
    missing dependency edge shows up as a wrong answer."""

    FAST = lib.ENGINE_FAST
    DFX_INTERPRETER = lib.ENGINE_DFX_INTERPRETER
    DFX_INTERPRETER_REORDERED = lib.ENGINE_DFX_INTERPRETER_REORDERED


class Dataflow(enum.IntEnum):
    """The systolic-array dataflow the compiler maps matmuls with; AUTO lets it choose."""

    AUTO = lib.DATAFLOW_AUTO
    OUTPUT_STATIONARY = lib.DATAFLOW_OUTPUT_STATIONARY
    WEIGHT_STATIONARY = lib.DATAFLOW_WEIGHT_STATIONARY
    INPUT_STATIONARY = lib.DATAFLOW_INPUT_STATIONARY
