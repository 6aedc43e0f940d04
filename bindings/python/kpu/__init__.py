"""kpu: the Python package of the Stillwater KPU toolchain.

    import kpu, torch
    model = torch.compile(model, backend="kpu")   # run on the simulated KPU
    y = model(x); kpu.last_metrics()["total_cycles"]

    g = kpu.Graph("mlp"); ...; program = kpu.compile_graph(g, "edge_ai")
    rt = kpu.KPURuntime(); rt.load_program(program); result = rt.execute({"x": x})

Everything below the torch layer goes through libkpu's C ABI (kpu.h) via the _kpu module.

Threads: the GIL is released for the whole native call in compile_graph / _kpu.compile,
Runtime(...) and Runtime.load, Runtime.execute / metrics / metrics_json / schedule_text,
Program.deserialize / load_file / serialize / save / to_json, Graph.parse / load_file /
serialize / to_json and the Graph.add_* builders. A Program may be shared by threads, each
loading its own Runtime to execute in parallel; a Runtime or Graph shared by threads is safe
too, its calls are serialized. See "Threads and determinism" in the README.
"""

from __future__ import annotations

import importlib.util as _importlib_util

from . import errors
from ._native import lib as _lib
from ._state import get_fallback, last_metrics, last_report, set_fallback
from .compiler import Graph, Program, compile_graph, load_program
from .config import DEFAULT_PRESET, KPUConfig, get_config, preset_names
from .errors import (CompilationError, InferenceOnlyError, InternalError,
                     InvalidArgumentError, InvalidProgramError, KPUError, KPUFallbackWarning,
                     KPUIOError, KPUMemoryError, ShapeMismatchError, UnimplementedError,
                     UnsupportedOpError)
from .modes import Dataflow, Engine, Fidelity, SimulationMode
from .results import KPUExecutionResult, KPUPerformanceMetrics
from .runtime import KPURuntime, Runtime

__version__ = _lib.version()
API_VERSION = _lib.api_version()

FUNCTIONAL = SimulationMode.FUNCTIONAL
BEHAVIORAL = SimulationMode.BEHAVIORAL
TRANSACTIONAL = SimulationMode.TRANSACTIONAL
CYCLE_ACCURATE = SimulationMode.CYCLE_ACCURATE
POWER_TRACE = SimulationMode.POWER_TRACE


def version() -> str:
    """libkpu's release, e.g. "0.1.0"."""
    return _lib.version()


# Torch-TensorRT's name for the same thing.
fallback_report = last_report


def op_names() -> list[str]:
    """The ops of libkpu's registry, sorted."""
    return list(_lib.op_names())


__all__ = [
    "API_VERSION", "BEHAVIORAL", "CYCLE_ACCURATE", "CompilationError", "DEFAULT_PRESET",
    "Dataflow", "Engine", "FUNCTIONAL", "Fidelity", "Graph", "InferenceOnlyError", "InternalError",
    "InvalidArgumentError", "InvalidProgramError", "KPUConfig", "KPUError",
    "KPUExecutionResult", "KPUFallbackWarning", "KPUIOError", "KPUMemoryError",
    "KPUPerformanceMetrics", "KPURuntime", "POWER_TRACE", "Program", "Runtime",
    "ShapeMismatchError", "SimulationMode", "TRANSACTIONAL", "UnimplementedError",
    "UnsupportedOpError", "compile_graph", "errors", "fallback_report", "get_config",
    "get_fallback", "last_metrics", "last_report", "load_program", "op_names", "preset_names",
    "set_fallback", "version",
]

# The torch backends exist only where torch does; the rest of the package never needs it.
if _importlib_util.find_spec("torch") is not None:
    from .torch_backend import KPUBackend, kpu_backend
    from .torch_backend import register as _register_torch_backends

    _register_torch_backends()
    __all__ += ["KPUBackend", "kpu_backend"]
