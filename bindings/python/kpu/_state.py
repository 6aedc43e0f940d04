"""Package-wide settings and the last torch.compile run's metrics.

Kept apart from torch_backend so that kpu.last_metrics() and kpu.set_fallback() exist even where
torch is not installed.
"""

from __future__ import annotations

import threading

FALLBACK_POLICIES = ("error", "torch")

_lock = threading.Lock()
_fallback = "error"
_last_metrics: dict | None = None


def set_fallback(policy: str | None) -> None:
    """What the torch backend does with a graph the KPU cannot run.

    "error" (the default, also None): raise UnsupportedOpError / CompilationError.
    "torch": run that whole graph eagerly in PyTorch, with a KPUFallbackWarning and a log line
    naming the reason. A fallback is always reported, never silent.
    """
    global _fallback
    policy = "error" if policy is None else str(policy).lower()
    if policy not in FALLBACK_POLICIES:
        raise ValueError(f"fallback must be one of {', '.join(FALLBACK_POLICIES)}, got {policy!r}")
    with _lock:
        _fallback = policy


def get_fallback() -> str:
    return _fallback


def record_metrics(metrics: dict) -> None:
    global _last_metrics
    with _lock:
        _last_metrics = dict(metrics)


def last_metrics() -> dict | None:
    """The metrics dict (every kpu_metrics field) of the last graph the torch backend ran on the
    KPU, or None if none has run."""
    with _lock:
        return None if _last_metrics is None else dict(_last_metrics)
