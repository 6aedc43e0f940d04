"""torch.compile backends that run Dynamo-captured graphs on the KPU.

    torch.compile(model, backend="kpu")                  # FUNCTIONAL (== BEHAVIORAL) timing
    torch.compile(model, backend="kpu_cycle_accurate")
    torch.compile(model, backend="kpu", options={"fallback": "torch", "engine": "fast"})
    torch.compile(model, backend=kpu.KPUBackend(mode="transactional", config="edge_ai"))

Dynamo calls the backend once per captured graph, with fake tensors. The KPU needs concrete
shapes and weights, so the backend only checks the graph for unsupported calls then; the KPU
program is built on the first real call for each input signature and cached.
"""

from __future__ import annotations

import logging
import threading
import warnings

import torch
import torch.fx

from . import _state, fx_lowering
from .compiler import compile_graph
from .config import get_config
from .errors import CompilationError, KPUFallbackWarning, UnsupportedOpError
from .modes import Dataflow, Engine, SimulationMode
from .runtime import Runtime

log = logging.getLogger("kpu")

# torch.compile passes its own `mode` ("default", "reduce-overhead", "max-autotune", ...) to
# every backend; those are inductor settings, not simulation modes.
_TORCH_COMPILE_MODES = {"default", "reduce-overhead", "max-autotune",
                        "max-autotune-no-cudagraphs"}


class KPUBackend:
    """A torch.compile backend with fixed settings.

    mode: SimulationMode (or its name); engine: Engine (or its name); config: anything
    kpu.get_config takes; fallback: None (use kpu.get_fallback()), "error" or "torch".
    Per-compile `options={...}` with the same keys override these.
    """

    def __init__(self, mode=SimulationMode.FUNCTIONAL, engine=Engine.FAST, config=None,
                 fallback=None, dataflow=Dataflow.AUTO, fusion=True):
        self.mode = SimulationMode.parse(mode)
        self.engine = _engine(engine)
        self.config = config
        self.fallback = fallback
        self.dataflow = Dataflow(dataflow)
        self.fusion = bool(fusion)
        # Dynamo names backends by __name__ in its logs and errors.
        self.__name__ = f"kpu_{self.mode.name.lower()}"

    def __call__(self, gm: torch.fx.GraphModule, example_inputs, mode=None, options=None):
        settings = self._settings(mode, options or {})
        unsupported = fx_lowering.unsupported_ops(gm)
        if unsupported:
            error = UnsupportedOpError(unsupported)
            if settings["fallback"] != "torch":
                raise error
            _report_fallback(error)
            return gm.forward
        return _CompiledGraph(gm, settings)

    def _settings(self, mode, options) -> dict:
        unknown = set(options) - {"mode", "engine", "config", "fallback", "dataflow", "fusion"}
        if unknown:
            raise ValueError(f"unknown kpu backend options: {', '.join(sorted(unknown))}")
        sim_mode = self.mode
        if mode is not None and not (isinstance(mode, str) and mode in _TORCH_COMPILE_MODES):
            sim_mode = SimulationMode.parse(mode)
        if "mode" in options:
            sim_mode = SimulationMode.parse(options["mode"])
        fallback = options.get("fallback", self.fallback)
        if fallback is None:
            fallback = _state.get_fallback()
        if fallback not in _state.FALLBACK_POLICIES:
            raise ValueError(f"fallback must be one of {_state.FALLBACK_POLICIES}, "
                             f"got {fallback!r}")
        return {
            "mode": sim_mode,
            "engine": _engine(options.get("engine", self.engine)),
            "config": get_config(options.get("config", self.config)),
            "fallback": fallback,
            "dataflow": Dataflow(options.get("dataflow", self.dataflow)),
            "fusion": bool(options.get("fusion", self.fusion)),
        }


def _engine(value) -> Engine:
    if isinstance(value, str):
        return Engine[value.strip().upper()]
    return Engine(value)


def _report_fallback(error: Exception) -> None:
    message = f"kpu: {error}; running this graph in PyTorch instead (fallback 'torch')"
    log.warning(message)
    warnings.warn(message, KPUFallbackWarning, stacklevel=3)


class _Eager:
    """A signature the KPU could not compile, run in PyTorch under the "torch" fallback."""

    def __init__(self, gm):
        self._gm = gm

    def matches(self, args) -> bool:
        return True

    def run(self, args):
        return self._gm(*args)


class _OnKPU:
    """One compiled and loaded KPU program for one input signature."""

    def __init__(self, gm, args, settings):
        self._settings = settings
        self.lowered = fx_lowering.lower(gm, args, name=f"torch_{type(gm).__name__}")
        # The constants were copied from these parameters at these versions; an in-place update
        # (an optimizer step) changes the version and forces a rebuild. Holding the parameters
        # keeps their ids from being reused.
        self._params = [a for a in args if isinstance(a, torch.nn.Parameter)]
        self._versions = _versions(self._params)
        self._runtime = None
        if self.lowered.outputs:
            program = compile_graph(self.lowered.graph, settings["config"],
                                    settings["dataflow"], settings["fusion"])
            self._runtime = Runtime(program, settings["config"])

    def matches(self, args) -> bool:
        params = [a for a in args if isinstance(a, torch.nn.Parameter)]
        return (len(params) == len(self._params)
                and all(p is q for p, q in zip(params, self._params))
                and _versions(params) == self._versions)

    def run(self, args):
        outputs = {}
        if self._runtime is not None:
            feeds = {name: fx_lowering.to_numpy(args[i]) for i, name in self.lowered.inputs}
            outputs = self._runtime.execute(feeds, int(self._settings["mode"]),
                                            int(self._settings["engine"]))
            _state.record_metrics(self._runtime.metrics())
        return self.lowered.assemble(outputs, args, _device(args))


def _versions(params) -> tuple:
    return tuple(p._version for p in params)


def _device(args) -> torch.device:
    for a in args:
        if isinstance(a, torch.Tensor) and not isinstance(a, torch.nn.Parameter):
            return a.device
    return torch.device("cpu")


def _signature(args) -> tuple:
    sig = []
    for a in args:
        if isinstance(a, torch.Tensor):
            sig.append((tuple(a.shape), a.dtype, isinstance(a, torch.nn.Parameter)))
        elif isinstance(a, (int, float, bool)):
            sig.append(a)
        else:
            sig.append(type(a))
    return tuple(sig)


class _CompiledGraph:
    """What Dynamo calls: compiles per input signature on first use, then runs on the KPU."""

    def __init__(self, gm: torch.fx.GraphModule, settings: dict):
        self._gm = gm
        self._settings = settings
        self._cache: dict[tuple, object] = {}
        # A loaded runtime serves one thread at a time (kpu.h), and building is not free.
        self._lock = threading.Lock()

    def __call__(self, *args):
        key = _signature(args)
        with self._lock:
            entry = self._cache.get(key)
            if entry is None or not entry.matches(args):
                entry = self._build(args)
                self._cache[key] = entry
            return entry.run(args)

    def _build(self, args):
        try:
            return _OnKPU(self._gm, args, self._settings)
        except CompilationError as e:
            if self._settings["fallback"] != "torch":
                raise
            _report_fallback(e)
            return _Eager(self._gm)


def kpu_backend(gm: torch.fx.GraphModule, example_inputs, mode=SimulationMode.FUNCTIONAL,
                options=None):
    """The "kpu" backend as a plain function: torch.compile(model, backend=kpu_backend)."""
    return KPUBackend(mode=SimulationMode.FUNCTIONAL)(gm, example_inputs, mode, options)


# name -> simulation mode. Seed 000 lists the kpu_* names; seed 004 says FUNCTIONAL.
BACKEND_MODES = {
    "kpu": SimulationMode.FUNCTIONAL,
    "kpu_functional": SimulationMode.FUNCTIONAL,
    "kpu_behavioral": SimulationMode.BEHAVIORAL,
    "kpu_transactional": SimulationMode.TRANSACTIONAL,
    "kpu_cycle_accurate": SimulationMode.CYCLE_ACCURATE,
    "kpu_power_trace": SimulationMode.POWER_TRACE,
}


def register() -> list[str]:
    """Registers the backends with Dynamo; returns the names registered now."""
    from torch._dynamo.backends.registry import register_backend

    done = []
    for name, mode in BACKEND_MODES.items():
        try:
            register_backend(KPUBackend(mode=mode), name=name)
            done.append(name)
        except AssertionError:
            # Already registered (the package was imported again, e.g. after a reload).
            pass
    return done
