"""A KPU region at run time: compiles the region once per input signature into a KPU program,
keeps a bounded LRU of programs, and runs them, adding their metrics to the model call's.

Frozen parameters and buffers arrive as arguments (the partitioned graph fetches them) and are
copied into each program as constants. If one of them is changed in place (its _version moves),
every cached program is dropped and rebuilt from the new values.
"""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections import OrderedDict

import torch
import torch.fx

from . import _state
from .compiler import compile_graph
from .errors import (CompilationError, InvalidArgumentError, KPUFallbackWarning,
                     KPUMemoryError, UnsupportedOpError)
from .freezing import copy_graph_module, freeze_inputs
from .region_lowering import lower_region
from .report import OpRecord
from .runtime import Runtime

log = logging.getLogger("kpu")


def to_numpy(t: torch.Tensor):
    """The tensor's data as a C-contiguous numpy array on the CPU (a view when it can be)."""
    return t.detach().to("cpu").contiguous().numpy()


def _signature(args, constant_args) -> tuple:
    sig = []
    for i, a in enumerate(args):
        if i in constant_args:
            continue
        if isinstance(a, torch.Tensor):
            sig.append((tuple(a.shape), a.dtype))
        elif isinstance(a, (int, float, bool)):
            sig.append(a)
        else:
            sig.append(type(a))
    return tuple(sig)


class _Program:
    """One compiled, loaded KPU program for one input signature."""

    def __init__(self, region: "KPURegion", args):
        settings = region.settings
        self.lowered = lower_region(region.graph_module, args, region.constant_args,
                                    region.registry, region.region_name)
        self.runtime = None
        self.op_info: dict[str, dict] = {}
        if self.lowered.outputs:
            program = compile_graph(self.lowered.graph, settings["config"], settings["dataflow"],
                                    settings["fusion"], settings["residency"])
            self.runtime = Runtime(program, settings["config"])
            self.op_info = _program_ops(program)

    def run(self, region: "KPURegion", args):
        outputs = {}
        if self.runtime is not None:
            feeds = {name: to_numpy(args[i]) for i, name in self.lowered.inputs}
            outputs = self.runtime.execute(feeds, int(region.settings["mode"]),
                                           int(region.settings["engine"]))
            # The per-op list is read from the runtime only when kpu.last_metrics() asks: its
            # JSON costs more than the rest of a small model's call.
            runtime, op_info = self.runtime, self.op_info
            _state.add_region_metrics(region.region_name, runtime.metrics(),
                                      lambda: _op_list(runtime.metrics_json(), op_info))
        return self.lowered.assemble(outputs, args, _device(args))


class _Split:
    """The region re-partitioned without the ops libkpu's compiler turned down."""

    def run(self, region: "KPURegion", args):
        kept = [a for i, a in enumerate(args) if i not in region.constant_args]
        return region.split(*kept)


class _InTorch:
    """A signature that runs in PyTorch (its program could not be built, fallback "torch")."""

    def run(self, region: "KPURegion", args):
        return region.graph_module(*args)


def _op_list(metrics_json: str, op_info: dict[str, dict] | None = None) -> list[dict]:
    """Each op's metrics, with what the program says about the op (dataflow, fused_with)."""
    doc = json.loads(metrics_json)
    ops = doc.get("op_metrics", doc.get("opMetrics", []))
    if isinstance(ops, dict):
        ops = [dict(entry, op_id=key) for key, entry in ops.items()]
    out = []
    for entry in ops:
        entry = dict(entry)
        key = entry.get("op_id", entry.get("opId"))
        entry.update((op_info or {}).get(key, {}))
        out.append(entry)
    return out


def _program_ops(program) -> dict[str, dict]:
    """op id -> the compiler's choices for it: the dataflow its tiles run in (empty for vector
    ops) and the graph nodes fused into it. Empty for a stand-in program (tests) without JSON."""
    if not hasattr(program, "to_json"):
        return {}
    doc = json.loads(program.to_json())
    ops = doc.get("operations", {}).get("ops", [])
    info = {}
    for op in ops:
        tiling = op.get("tiling", {})
        info[op.get("id", "")] = {
            "dataflow": tiling.get("dataflow", ""),
            "fused_with": list(op.get("fused_with", op.get("fusedWith", []))),
        }
    return info


def _version(t) -> int | None:
    # Inference tensors have no version counter; outside inference mode they cannot change.
    if not isinstance(t, torch.Tensor) or t.is_inference():
        return None
    return t._version


def _device(args) -> torch.device:
    for a in args:
        if isinstance(a, torch.Tensor):
            return a.device
    return torch.device("cpu")


class KPURegion(torch.nn.Module):
    """Runs one fused region of the partitioned graph on the KPU."""

    def __init__(self, graph_module: torch.fx.GraphModule, constant_args: set[int],
                 settings: dict, registry: frozenset[str], region_name: str, report,
                 ops: frozenset[str] = frozenset()):
        super().__init__()
        self.ops = ops  # the registry ops its KPU graph uses
        self.graph_module = graph_module
        self.constant_args = frozenset(constant_args)
        self.settings = settings
        self.registry = registry
        self.region_name = region_name
        self.report = report
        self._programs: OrderedDict[tuple, object] = OrderedDict()
        self._builds = 0  # distinct signatures compiled, the recompile limit's count
        self._const_versions = None
        self._limit_reported = False
        self.split = None  # set when libkpu's compiler cannot lower some of its ops
        # A loaded runtime serves one thread at a time (kpu.h), and building is not free.
        self._lock = threading.Lock()

    def forward(self, *args):
        with self._lock:
            return self._forward(args)

    def _forward(self, args):
        if self.split is None and self.settings["fallback"] == "torch":
            known = self.ops & _state.compiler_lacks()
            if known:  # learned from another region: no need to try
                self._resplit(args, known, None)
        if self.split is not None:
            return _Split().run(self, args)
        versions = tuple(_version(args[i]) for i in sorted(self.constant_args))
        if versions != self._const_versions:
            # New parameter values: every program holds stale constants.
            self._programs.clear()
            self._const_versions = versions
        key = _signature(args, self.constant_args)
        entry = self._programs.get(key)
        if entry is None:
            entry = self._build(args, key)
        else:
            self._programs.move_to_end(key)
        return entry.run(self, args)

    @property
    def cached_programs(self) -> int:
        return sum(isinstance(p, _Program) for p in self._programs.values())

    @property
    def builds(self) -> int:
        return self._builds

    def _build(self, args, key):
        limit = self.settings["recompile_limit"]
        if self._builds >= limit:
            message = (f"KPU region {self.region_name} of {self.report.graph}: recompile limit "
                       f"reached ({limit} input signatures compiled, program cache of "
                       f"{self.settings['program_cache_size']}); new signature {key}")
            if self.settings["fallback"] != "torch":
                raise CompilationError(message + ". Raise options['recompile_limit'] or use "
                                       "fewer distinct input shapes.")
            if not self._limit_reported:
                self._limit_reported = True
                self._fallback(message + "; running new signatures of it in PyTorch")
            return _InTorch()  # not cached: it does not take a program's place
        self._builds += 1
        try:
            entry = _Program(self, args)
        except UnsupportedOpError as e:
            lacking = set(e.ops) & self.registry
            if self.settings["fallback"] == "torch" and lacking:
                # libkpu registers these ops but cannot compile them yet: the rest of the
                # region can still run on the KPU.
                _state.note_compiler_lacks(lacking)
                self._resplit(args, lacking, e)
                return _Split()
            entry = self._in_torch(e, key)
        except (CompilationError, KPUMemoryError, InvalidArgumentError) as e:
            # Anything else that stops this region compiling (too big for the SRAM, a shape
            # the compiler rejects) leaves it in PyTorch under the "torch" policy.
            entry = self._in_torch(e, key)
        self._programs[key] = entry
        while len(self._programs) > self.settings["program_cache_size"]:
            self._programs.popitem(last=False)
        return entry

    def _in_torch(self, error: Exception, key) -> "_InTorch":
        if self.settings["fallback"] != "torch":
            raise error
        reason = f"its KPU region failed to compile: {error}"
        for i, record in enumerate(self.report.records):
            if record.region == self.region_name and record.where != "torch":
                self.report.records[i] = OpRecord(record.node, record.op, "torch", reason)
        self._fallback(f"KPU region {self.region_name} of {self.report.graph} cannot be "
                       f"compiled for input signature {key}: {error}; running it in PyTorch")
        return _InTorch()

    def _resplit(self, args, lacking: set[str], error: Exception) -> None:
        from .partition import partition
        from .support import Support

        gm = copy_graph_module(self.graph_module)
        freeze_inputs(gm, {i: args[i] for i in self.constant_args})
        registry = self.registry - lacking
        missing = {op: f"libkpu's compiler cannot lower '{op}' yet" for op in lacking}
        support = Support(gm, registry, self.settings.get("forced"), missing)
        gm, sub_report, _ = partition(gm, support, self.settings["min_block_size"],
                                      self.region_name)
        install_regions(gm, self.settings, registry, self.report, support,
                        prefix=f"{self.region_name}/")
        self.split = gm
        # The report now says where each op of this region really runs.
        by_node = {r.node: r for r in sub_report.records}
        for i, record in enumerate(self.report.records):
            new = by_node.get(record.node)
            if record.region == self.region_name and new is not None:
                region = f"{self.region_name}/{new.region}" if new.region else None
                self.report.records[i] = OpRecord(record.node, record.op, new.where,
                                                  new.reason, region)
        self.report.regions.remove(self.region_name)
        self.report.region_modules.pop(self.region_name, None)
        moved = sum(r.where == "torch" for r in sub_report.records)
        if error is None:
            return  # already warned about these ops; the report has the details
        self._fallback(f"KPU region {self.region_name} of {self.report.graph}: {error}; "
                       f"libkpu registers {', '.join(sorted(lacking))} but cannot compile them "
                       f"yet, so {moved} of its {len(sub_report.records)} ops run in PyTorch "
                       f"and the rest in {len(sub_report.regions)} smaller KPU region(s)")

    def _fallback(self, message: str) -> None:
        self.report.notes.append(message)
        log.warning("kpu: %s", message)
        warnings.warn(f"kpu: {message}", KPUFallbackWarning, stacklevel=4)


def install_regions(gm: torch.fx.GraphModule, settings: dict, registry: frozenset[str], report,
                    support, prefix: str = "") -> None:
    """Replaces the fused submodules of a partitioned graph by KPURegions, in place."""
    from .partition import REGION_PREFIX

    for node in gm.graph.nodes:
        if node.op == "call_module" and str(node.target).startswith(REGION_PREFIX):
            # Frozen parameters reach the region as get_attr arguments.
            constants = {i for i, a in enumerate(node.args)
                         if isinstance(a, torch.fx.Node) and a.op == "get_attr"}
            name = prefix + str(node.target)
            submodule = getattr(gm, node.target)
            ops = frozenset(op for n in submodule.graph.nodes
                            for op in support.ops_by_name.get(n.name, ()))
            region = KPURegion(submodule, constants, settings, registry, name, report, ops)
            setattr(gm, node.target, region)
            report.region_modules[name] = region
            if prefix:
                report.regions.append(name)
    gm.recompile()
