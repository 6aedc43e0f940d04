"""The exceptions of the kpu package, and how a kpu_status becomes one of them.

Class names and messages follow seed 004 ("Unsupported operators: A, B", "SRAM memory exceeded:
512KB required, 256KB available", "Input shape mismatch: expected (1,784), got (2,784)"). The
library writes those messages itself; this module only picks the class and, where a caller
wants structured data (the op list, the byte counts), reads it back out of the message.

Pure Python on purpose: it must import without the native module.
"""

from __future__ import annotations

import re

# MemoryError is left out: a star-import must not replace the builtin.
__all__ = [
    "KPUError", "InvalidArgumentError", "CompilationError", "UnsupportedOpError",
    "KPUMemoryError", "ShapeMismatchError", "InvalidProgramError", "KPUIOError",
    "UnimplementedError", "InternalError", "InferenceOnlyError", "KPUFallbackWarning",
    "class_for_status",
    "from_status",
]


class KPUError(Exception):
    """Base of every error the KPU toolchain raises.

    `status` is the kpu_status code when the error came from libkpu (None otherwise) and
    `status_name` its name, e.g. "KPU_ERROR_SHAPE_MISMATCH".
    """

    def __init__(self, message: str = "", *, status: int | None = None,
                 status_name: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = status_name


class InvalidArgumentError(KPUError, ValueError):
    """A bad argument, or a malformed graph or config."""


class CompilationError(KPUError):
    """The compiler cannot map the graph onto the KPU."""


class UnsupportedOpError(CompilationError):
    """The model contains operators the KPU toolchain has no lowering or kernel for."""

    PREFIX = "Unsupported operators: "

    def __init__(self, ops, message: str | None = None, **kw):
        self.ops = list(ops)
        super().__init__(message or self.PREFIX + ", ".join(self.ops), **kw)

    @classmethod
    def from_message(cls, message: str, **kw) -> "UnsupportedOpError":
        ops = []
        if message.startswith(cls.PREFIX):
            ops = [op.strip() for op in message[len(cls.PREFIX):].split(",") if op.strip()]
        return cls(ops, message, **kw)


class KPUMemoryError(KPUError):
    """The model exceeds a memory of the configured KPU.

    Seed 004 calls this MemoryError; it is KPUMemoryError here so that importing it never hides
    Python's own MemoryError. `required` and `available` are bytes.
    """

    # The library writes whole kibibytes as "512KB" and anything else in bytes, "1234B".
    _MESSAGE = re.compile(r"^(?P<kind>\w+) memory exceeded: (?P<req>\d+)(?P<req_unit>KB|B) "
                          r"required, (?P<avail>\d+)(?P<avail_unit>KB|B) available")

    def __init__(self, required: int | None = None, available: int | None = None,
                 memory_type: str = "SRAM", message: str | None = None, **kw):
        self.required = required
        self.available = available
        self.memory_type = memory_type
        if message is None:
            message = (f"{memory_type} memory exceeded: {_bytes(required)} required, "
                       f"{_bytes(available)} available")
        super().__init__(message, **kw)

    @classmethod
    def from_message(cls, message: str, **kw) -> "KPUMemoryError":
        m = cls._MESSAGE.match(message)
        if not m:
            return cls(message=message, memory_type="", **kw)
        required = int(m["req"]) * (1024 if m["req_unit"] == "KB" else 1)
        available = int(m["avail"]) * (1024 if m["avail_unit"] == "KB" else 1)
        return cls(required, available, m["kind"], message, **kw)


# Seed 004's name, for code written against the seed. Only this module's namespace has it, so
# `from kpu import *` never replaces the builtin.
MemoryError = KPUMemoryError  # noqa: A001


class ShapeMismatchError(KPUError, ValueError):
    """An input does not have the shape the program was compiled for.

    `expected` and `got` are the shapes as tuples when the message states them.
    """

    _MESSAGE = re.compile(r"expected \((?P<exp>[\d,\s]*)\), got \((?P<got>[\d,\s]*)\)")

    def __init__(self, message: str, expected: tuple | None = None, got: tuple | None = None,
                 **kw):
        m = self._MESSAGE.search(message)
        if m and expected is None:
            expected = _dims(m["exp"])
        if m and got is None:
            got = _dims(m["got"])
        self.expected = expected
        self.got = got
        super().__init__(message, **kw)


class InvalidProgramError(KPUError, ValueError):
    """A truncated, corrupted or inconsistent .kpu program."""


class KPUIOError(KPUError, OSError):
    """A file could not be read or written."""


class UnimplementedError(KPUError, NotImplementedError):
    """A feature this version of the toolchain does not provide."""


class InternalError(KPUError):
    """A bug in the toolchain; please report it with the message."""


class InferenceOnlyError(KPUError, RuntimeError):
    """The torch backend was used for training (grad mode with tensors requiring grad, or a
    module in training mode); its message starts "the KPU backend is inference-only: "."""


class KPUFallbackWarning(UserWarning):
    """Part of a model runs in PyTorch instead of on the KPU (fallback policy "torch"); the
    partition report (kpu.last_report()) says which ops and why."""


# kpu_status names (kpu.h) to classes. Keyed by name, not number, so this file never restates
# the enum's values.
_BY_STATUS = {
    "KPU_ERROR_INVALID_ARGUMENT": InvalidArgumentError,
    "KPU_ERROR_UNSUPPORTED_OP": UnsupportedOpError,
    "KPU_ERROR_COMPILATION": CompilationError,
    "KPU_ERROR_MEMORY_EXCEEDED": KPUMemoryError,
    "KPU_ERROR_SHAPE_MISMATCH": ShapeMismatchError,
    "KPU_ERROR_INVALID_PROGRAM": InvalidProgramError,
    "KPU_ERROR_IO": KPUIOError,
    "KPU_ERROR_UNIMPLEMENTED": UnimplementedError,
    "KPU_ERROR_INTERNAL": InternalError,
}


def class_for_status(status_name: str) -> type[KPUError]:
    return _BY_STATUS.get(status_name, KPUError)


def from_status(status: int, status_name: str, message: str) -> KPUError:
    """The exception for a failed kpu_* call. The native module calls this for every failure."""
    cls = class_for_status(status_name)
    kw = {"status": status, "status_name": status_name}
    if cls is UnsupportedOpError or cls is KPUMemoryError:
        return cls.from_message(message, **kw)
    return cls(message, **kw)


def _bytes(n: int | None) -> str:
    # The library's format, so messages read the same whichever side wrote them.
    if n is None:
        return "?"
    return f"{n // 1024}KB" if n >= 1024 and n % 1024 == 0 else f"{n}B"


def _dims(text: str) -> tuple:
    return tuple(int(d) for d in text.replace(" ", "").split(",") if d)
