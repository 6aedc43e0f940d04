"""Helpers shared by the torch backend tests."""

from __future__ import annotations

import contextlib
import warnings

import kpu


def cause(exc: BaseException, cls):
    """The first exception of class `cls` behind `exc`: Dynamo re-raises a backend's error as
    BackendCompilerFailed ... from None, keeping the original as .inner_exception (and as
    __context__), so follow all three links."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, cls):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "inner_exception", None) or exc.__cause__ or exc.__context__
    return None


@contextlib.contextmanager
def fallback_warnings():
    """Collects the KPUFallbackWarnings raised inside."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found: list = []
        yield found
    found.extend(w for w in caught if issubclass(w.category, kpu.KPUFallbackWarning))
