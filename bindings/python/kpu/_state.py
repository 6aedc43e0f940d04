"""Package-wide settings, the last model call's KPU metrics and the last partition report.

Kept apart from torch_backend so that kpu.last_metrics() and kpu.set_fallback() exist even where
torch is not installed.
"""

from __future__ import annotations

import threading

FALLBACK_POLICIES = ("error", "torch")

# kpu_metrics fields that add up over regions run one after another.
_SUMMED = ("total_cycles", "total_time_us", "compute_cycles", "memory_stall_cycles",
           "other_cycles", "dram_reads_bytes", "dram_writes_bytes", "sram_reads_bytes",
           "sram_writes_bytes", "l1_hits", "l1_misses", "l2_hits", "l2_misses",
           "total_energy_uj", "total_macs")
# kpu_metrics fields that are a peak: the most any region needed.
_PEAKED = ("peak_l3_bytes", "peak_l2_bytes", "peak_l1_bytes")

_lock = threading.Lock()
_fallback = "error"
_call: dict | None = None
_last_report = None
# Registry ops libkpu's compiler turned down ("Unsupported operators: ..."): its registry can be
# ahead of its compiler. Learned at the first failure, they are left out of later partitions.
_compiler_lacks: set[str] = set()


def set_fallback(policy: str | None) -> None:
    """What the torch backend does with ops the KPU cannot run.

    "error" (the default, also None): raise UnsupportedOpError naming them.
    "torch": run them in PyTorch and the rest on the KPU, with a KPUFallbackWarning and a
    report (kpu.last_report()). A fallback is always reported, never silent.
    """
    global _fallback
    policy = "error" if policy is None else str(policy).lower()
    if policy not in FALLBACK_POLICIES:
        raise ValueError(f"fallback must be one of {', '.join(FALLBACK_POLICIES)}, got {policy!r}")
    with _lock:
        _fallback = policy


def get_fallback() -> str:
    return _fallback


def _empty_call() -> dict:
    metrics = {k: 0 for k in _SUMMED + _PEAKED}
    metrics.update(average_power_watts=0.0, compute_utilization=0.0,
                   memory_bandwidth_utilization=0.0, regions=0, on_kpu=False, op_metrics=[])
    return metrics


def begin_model_call() -> None:
    """Starts the metrics of a new call of a compiled model: nothing has run on the KPU yet."""
    global _call
    with _lock:
        _call = _empty_call()


def add_region_metrics(region: str, metrics: dict, op_metrics) -> None:
    """Adds one KPU region's run to the current model call. `op_metrics` is its per-op list, or
    a function that returns it (called by last_metrics(), before the region runs again)."""
    global _call
    with _lock:
        if _call is None:
            _call = _empty_call()
        call = _call
        cycles_before = call["total_cycles"]
        for k in _SUMMED:
            call[k] += metrics.get(k, 0)
        for k in _PEAKED:
            call[k] = max(call[k], metrics.get(k, 0))
        # Utilizations are cycle-weighted averages over the regions.
        total = call["total_cycles"]
        for k in ("compute_utilization", "memory_bandwidth_utilization"):
            if total:
                call[k] = (call[k] * cycles_before + metrics.get(k, 0.0) *
                           metrics.get("total_cycles", 0)) / total
        if call["total_time_us"]:
            call["average_power_watts"] = call["total_energy_uj"] / call["total_time_us"]
        call["regions"] += 1
        call["on_kpu"] = True
        call["op_metrics"].append((region, op_metrics))


def last_metrics() -> dict | None:
    """The KPU metrics of the last call of a torch.compile'd model, summed over every KPU region
    it ran (every kpu_metrics field, plus "regions", "on_kpu" and the per-op list "op_metrics").

    None before any compiled model has been called. When the last call ran nothing on the KPU,
    "on_kpu" is False and every number is 0: never an earlier call's numbers. A model call is
    one call of the compiled model: when Dynamo splits it at graph breaks, every graph of that
    call counts (model_call.py).
    """
    with _lock:
        if _call is None:
            return None
        # Resolve the regions' per-op lists once, in the order the regions ran.
        resolved = []
        for entry in _call["op_metrics"]:
            if isinstance(entry, tuple):
                region, ops = entry
                resolved.extend(dict(op, region=region) for op in (ops() if callable(ops) else ops))
            else:
                resolved.append(entry)
        _call["op_metrics"] = resolved
        out = dict(_call)
        out["op_metrics"] = [dict(op) for op in resolved]
        return out


def record_report(report) -> None:
    global _last_report
    with _lock:
        _last_report = report


def last_report():
    """The partition report (kpu.report.FallbackReport) of the graph the torch backend compiled
    last, or None. print() it for a summary."""
    with _lock:
        return _last_report


def note_compiler_lacks(ops) -> None:
    with _lock:
        _compiler_lacks.update(ops)


def compiler_lacks() -> frozenset[str]:
    with _lock:
        return frozenset(_compiler_lacks)
