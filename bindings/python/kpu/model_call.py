"""Where one call of a compiled model begins, so kpu.last_metrics() covers all of it.

Dynamo splits a model at each graph break into several graphs, each compiled by the backend
separately and run one after another (the rest of the frame continues in Python, then calls the
resume function's graph, or a helper's). A graph therefore starts a new model call only when no
frame that runs KPU graphs is still executing outside its own: the first graph of `forward` has
only torch's call machinery around it; the graph after a break, or of a helper with a break of
its own, has `forward`'s frame below it on the stack.

Frames are keyed by their code's (file, first line, name): Dynamo runs a transformed copy of a
frame's code, which keeps all three.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()
_graph_frames: set[tuple] = set()


def _key(code) -> tuple:
    return (code.co_filename, code.co_firstlineno, code.co_name)


def frame_being_compiled() -> tuple | None:
    """The frame of the graph Dynamo is compiling now, recorded as one that runs KPU graphs; None
    when torch does not say (then every graph starts a call, the behaviour without breaks)."""
    try:
        from torch._dynamo.symbolic_convert import InstructionTranslator
        key = _key(InstructionTranslator.current_tx().f_code)
    except Exception:  # a private API: absent or changed in another torch release
        return None
    with _lock:
        _graph_frames.add(key)
    return key


def starts_model_call(frame: tuple | None) -> bool:
    """Whether the graph of `frame`, about to run, is the first of a model call."""
    if frame is None:
        return True
    f = sys._getframe(1)
    while f is not None and _key(f.f_code) != frame:
        f = f.f_back
    if f is None:
        return True
    f = f.f_back
    while f is not None:
        if _key(f.f_code) in _graph_frames:
            return False
        f = f.f_back
    return True
