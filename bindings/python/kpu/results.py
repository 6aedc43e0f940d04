"""Seed 004's result types: KPUPerformanceMetrics and KPUExecutionResult."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import KPUError
from .modes import SimulationMode


@dataclass
class KPUPerformanceMetrics:
    # Timing
    total_cycles: int = 0
    total_time_us: float = 0.0
    # Cycle breakdown
    compute_cycles: int = 0
    memory_stall_cycles: int = 0
    other_cycles: int = 0
    # Memory traffic
    dram_reads_bytes: int = 0
    dram_writes_bytes: int = 0
    sram_reads_bytes: int = 0
    sram_writes_bytes: int = 0
    # Cache stats
    l1_hits: int = 0
    l1_misses: int = 0
    l2_hits: int = 0
    l2_misses: int = 0
    # Power/energy
    average_power_watts: float = 0.0
    total_energy_uj: float = 0.0
    # Utilization, 0-1
    compute_utilization: float = 0.0
    memory_bandwidth_utilization: float = 0.0
    # Not in seed 004, but kpu_metrics has it and it is what utilization is computed from.
    total_macs: int = 0
    # Peak bytes each SRAM level holds (activations kept on chip plus the running op's tiles).
    peak_l3_bytes: int = 0
    peak_l2_bytes: int = 0
    peak_l1_bytes: int = 0
    # Per-op breakdown: {op name: {metric: value}}
    op_metrics: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def from_native(cls, metrics: dict, metrics_json: str | None = None) -> "KPUPerformanceMetrics":
        """From _kpu.Runtime.metrics() and, for op_metrics, .metrics_json()."""
        names = {f.name for f in dataclasses.fields(cls)} - {"op_metrics"}
        values = {k: v for k, v in metrics.items() if k in names}
        ops = _op_metrics(json.loads(metrics_json)) if metrics_json else {}
        return cls(**values, op_metrics=ops)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class KPUExecutionResult:
    success: bool
    error_message: str | None
    outputs: dict[str, np.ndarray]
    metrics: KPUPerformanceMetrics
    mode: SimulationMode
    # The exception behind a failed run, so a caller can re-raise it (raise_for_error).
    error: KPUError | None = None

    def raise_for_error(self) -> "KPUExecutionResult":
        if self.error is not None:
            raise self.error
        return self


def _op_metrics(doc: dict) -> dict[str, dict[str, float]]:
    # Protobuf's JSON mapping may use either field-name style, and may list the ops or key them
    # by name; accept each shape.
    raw = doc.get("op_metrics", doc.get("opMetrics", {}))
    if isinstance(raw, dict):
        items = raw.items()
    else:
        items = []
        for i, entry in enumerate(raw):
            key = (entry.get("op_id") or entry.get("opId") or entry.get("name")
                   or entry.get("op_name") or entry.get("opName") or str(i))
            items.append((key, entry))
    return {str(name): _numbers(entry) for name, entry in items}


def _numbers(entry: dict) -> dict[str, float]:
    # int64 fields arrive as JSON strings under the protobuf mapping.
    out = {}
    for k, v in entry.items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out
