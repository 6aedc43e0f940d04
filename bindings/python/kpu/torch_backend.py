"""torch.compile backends that run models on the KPU, lowered at the aten level.

    torch.compile(model, backend="kpu")                  # FUNCTIONAL (== BEHAVIORAL) timing
    torch.compile(model, backend="kpu_cycle_accurate")
    torch.compile(model, backend="kpu", options={"fallback": "torch", "min_block_size": 3,
                                                 "torch_executed_ops": ["aten.gelu.default"]})
    torch.compile(model, backend=kpu.KPUBackend(mode="transactional", config="edge_ai"))

Pipeline (ARCHITECTURE.md decision 12): Dynamo's graph -> parameters and buffers frozen into
constants (kpu/freezing.py) -> AOTAutograd with core-aten decompositions (inference only) -> the
aten table decides per node what the KPU can run (kpu/aten/, kpu/aten_lowering.py) ->
supported regions become KPU regions, compiled once per input signature (kpu/region.py), the rest
runs in PyTorch -> a partition report (kpu.last_report()) and a KPUFallbackWarning whenever
anything runs in PyTorch.
"""

from __future__ import annotations

import functools
import itertools
import logging
import operator
import warnings

import torch
import torch.fx

from . import _state, aten, inference_only, model_call
from ._native import lib
from .aten_lowering import op_name
from .config import get_config
from .dynamo_rewrites import rewrite_interpolate, rewrite_matmul
from .errors import KPUFallbackWarning, UnsupportedOpError
from .freezing import freeze_aten_graph, freeze_dynamo_graph
from .modes import Dataflow, Engine, SimulationMode
from .partition import partition
from .region import install_regions
from .support import Support

log = logging.getLogger("kpu")

# torch.compile passes its own `mode` ("default", "reduce-overhead", "max-autotune", ...) to
# every backend; those are inductor settings, not simulation modes.
_TORCH_COMPILE_MODES = {"default", "reduce-overhead", "max-autotune",
                        "max-autotune-no-cudagraphs"}

OPTIONS = ("mode", "engine", "config", "fallback", "dataflow", "fusion", "residency", "torch_executed_ops",
           "min_block_size", "program_cache_size", "recompile_limit")

# Programs kept per KPU region (LRU), and distinct input signatures a region compiles before it
# stops (fallback "torch": new signatures run in PyTorch; "error": CompilationError).
DEFAULT_PROGRAM_CACHE_SIZE = 8
DEFAULT_RECOMPILE_LIMIT = 32

_graph_ids = itertools.count()


class KPUBackend:
    """A torch.compile backend with fixed settings.

    mode: SimulationMode (or its name); engine: Engine (or its name); config: anything
    kpu.get_config takes; fallback: None (use kpu.get_fallback()), "error" or "torch";
    torch_executed_ops: aten overloads (torch.ops.aten.gelu.default or "aten.gelu.default"),
    aten packets ("aten.gelu") or registry ops ("gelu") forced to run in PyTorch;
    min_block_size: KPU regions with fewer ops stay in PyTorch; program_cache_size and
    recompile_limit bound the programs kept and built per region; fusion and residency (keep
    activations on chip between ops when they fit) are compiler switches, both on by default.
    Per-compile `options={...}` with the same keys override these.
    """

    def __init__(self, mode=SimulationMode.FUNCTIONAL, engine=Engine.FAST, config=None,
                 fallback=None, dataflow=Dataflow.AUTO, fusion=True, residency=True, torch_executed_ops=(),
                 min_block_size=1, program_cache_size=DEFAULT_PROGRAM_CACHE_SIZE,
                 recompile_limit=DEFAULT_RECOMPILE_LIMIT):
        self.mode = SimulationMode.parse(mode)
        self.defaults = {
            "engine": engine, "config": config, "fallback": fallback, "dataflow": dataflow,
            "fusion": fusion, "residency": residency, "torch_executed_ops": torch_executed_ops,
            "min_block_size": min_block_size, "program_cache_size": program_cache_size,
            "recompile_limit": recompile_limit,
        }
        self._settings(None, {})  # bad constructor arguments fail here, not at first compile
        # Dynamo names backends by __name__ in its logs and errors.
        self.__name__ = f"kpu_{self.mode.name.lower()}"

    def __call__(self, gm: torch.fx.GraphModule, example_inputs, mode=None, options=None):
        settings = self._settings(mode, options or {})
        inference_only.check(gm, example_inputs)
        from torch._functorch.aot_autograd import aot_module_simplified

        gm, kept = freeze_dynamo_graph(gm)
        rewrite_interpolate(gm)
        rewrite_matmul(gm)
        name = f"graph_{next(_graph_ids)}"
        compiled = aot_module_simplified(
            gm, [example_inputs[i] for i in kept],
            fw_compiler=_refuse_training,
            inference_compiler=functools.partial(_compile_aten, settings=settings, name=name),
            decompositions=aten.decompositions())

        frame = model_call.frame_being_compiled()

        def run(*args):
            # After a graph break the model's later graphs add to the call's metrics.
            if model_call.starts_model_call(frame):
                _state.begin_model_call()
            return compiled(*[args[i] for i in kept])

        return run

    def _settings(self, mode, options) -> dict:
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"unknown kpu backend option(s): {', '.join(sorted(unknown))}; "
                             f"the options are {', '.join(OPTIONS)}")
        sim_mode = self.mode
        if mode is not None and not (isinstance(mode, str) and mode in _TORCH_COMPILE_MODES):
            sim_mode = SimulationMode.parse(mode)
        if "mode" in options:
            sim_mode = SimulationMode.parse(options["mode"])
        get = lambda key: options.get(key, self.defaults[key])  # noqa: E731
        fallback = get("fallback")
        if fallback is None:
            fallback = _state.get_fallback()
        if fallback not in _state.FALLBACK_POLICIES:
            raise ValueError(f"fallback must be one of {_state.FALLBACK_POLICIES}, "
                             f"got {fallback!r}")
        settings = {
            "mode": sim_mode,
            "engine": _engine(get("engine")),
            "config": get_config(get("config")),
            "fallback": fallback,
            "dataflow": Dataflow.parse(get("dataflow")),
            "fusion": bool(get("fusion")),
            "residency": bool(get("residency")),
            "torch_executed_ops": _op_set(get("torch_executed_ops")),
            "min_block_size": _positive(get("min_block_size"), "min_block_size"),
            "program_cache_size": _positive(get("program_cache_size"), "program_cache_size"),
            "recompile_limit": _positive(get("recompile_limit"), "recompile_limit"),
        }
        settings["forced"] = _forced(settings["torch_executed_ops"])
        return settings


def _engine(value) -> Engine:
    if isinstance(value, str):
        key = value.strip().upper()
        if key not in Engine.__members__:
            raise ValueError(f"unknown engine {value!r}; expected one of "
                             + ", ".join(m.lower() for m in Engine.__members__))
        return Engine[key]
    return Engine(value)


def _positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


def _op_set(ops) -> frozenset[str]:
    if isinstance(ops, (str, torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        ops = [ops]
    names = set()
    for op in ops:
        if isinstance(op, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
            names.add(str(op))
        elif isinstance(op, str):
            names.add(op.removeprefix("torch.ops."))
        else:
            raise ValueError(f"torch_executed_ops: {op!r} is not an aten op or an op name")
    return frozenset(names)


def _forced(ops: frozenset[str]):
    """The torch_executed_ops check: by overload, packet or emitted registry op name."""
    def forced(node, emitted_ops) -> str | None:
        target = node.target
        names = {op_name(node)}
        if isinstance(target, torch._ops.OpOverload):
            names.add(str(target.overloadpacket))
        names.update(emitted_ops)
        hit = sorted(names & ops)
        return f"forced to PyTorch by torch_executed_ops ({hit[0]})" if hit else None
    return forced if ops else None


def available_ops() -> frozenset[str]:
    """The registry ops of the loaded libkpu, asked at every compile: an op libkpu gains is
    used from then on with no change here. Ops its compiler has turned down in this process
    are left out."""
    return frozenset(lib.op_names()) - _state.compiler_lacks()


def _missing_reasons() -> dict[str, str]:
    return {op: f"libkpu's compiler cannot lower '{op}' yet" for op in _state.compiler_lacks()}


def _refuse_training(gm, example_inputs):
    raise inference_only.InferenceOnlyError(
        inference_only.PREFIX + "AOTAutograd asked for a training graph; call the model under "
        "torch.no_grad() or torch.inference_mode().")


def _compile_aten(gm: torch.fx.GraphModule, example_inputs, *, settings: dict, name: str):
    """AOTAutograd's inference compiler: freeze, partition, report; returns the callable."""
    tracing = torch._guards.TracingContext.try_get()
    params = list(tracing.params_flat or []) if tracing is not None else []
    meta = tracing.fw_metadata if tracing is not None else None
    if meta is not None and any(getattr(info, "mutates_data", False)
                                for info in meta.input_info[:len(params)]):
        # A parameter or buffer written by the model cannot be a constant.
        raise inference_only.InferenceOnlyError(
            inference_only.PREFIX + "the model updates a parameter or buffer in place (a "
            "module in training mode?); call model.eval() before compiling it for the KPU.")
    n_frozen = freeze_aten_graph(gm, params)
    registry = available_ops()
    support = Support(gm, registry, settings["forced"], _missing_reasons())

    unsupported = sorted({f"{op_name(n)} ({reason})" for n, reason in support.reasons.items()
                          if reason is not None and not reason.startswith("forced to PyTorch")
                          and n.target is not operator.getitem and n not in support.shape_nodes})
    if unsupported and settings["fallback"] != "torch":
        raise UnsupportedOpError(unsupported)

    gm, report, _ = partition(gm, support, settings["min_block_size"], name)
    install_regions(gm, settings, registry, report, support)
    _state.record_report(report)
    log.info("%s", report)
    if report.fallbacks:
        message = (f"kpu: {report.torch_ops} of {report.total_ops} ops of {name} run in PyTorch "
                   f"({report.kpu_percent:.1f}% on the KPU): " +
                   "; ".join(f"{op} x{n} ({reason})" for op, reason, n in
                             report.fallback_summary()) + ". See kpu.last_report().")
        log.warning(message)
        warnings.warn(message, KPUFallbackWarning, stacklevel=2)

    def run(*args):
        return gm(*args[n_frozen:])

    run.report = report
    run.graph_module = gm
    return run


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
    for backend_name, mode in BACKEND_MODES.items():
        try:
            register_backend(KPUBackend(mode=mode), name=backend_name)
            done.append(backend_name)
        except AssertionError:
            # Already registered (the package was imported again, e.g. after a reload).
            pass
    return done
