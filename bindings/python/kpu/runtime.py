"""Running programs.

`Runtime` is the native runtime as it is: execute() returns {name: array} and raises on error.
`KPURuntime` is seed 004's KPURuntimeInterface on top of it: load_program, execute -> a
KPUExecutionResult, input/output specs, unload_program.
"""

from __future__ import annotations

import numpy as np

from ._native import lib
from .compiler import load_program
from .config import get_config
from .errors import InvalidArgumentError, KPUError
from .modes import Engine, SimulationMode
from .results import KPUExecutionResult, KPUPerformanceMetrics

# Runtime(program, config=None); .execute(inputs, mode, engine), .metrics(), .metrics_json(),
# .schedule_text(), .inputs(), .outputs(). execute() runs without the GIL; calls on one runtime
# are serialized, so give each thread its own Runtime (of a shared Program) to run in parallel.
Runtime = lib.Runtime


class KPURuntime:
    """Seed 004's runtime interface.

    execute() reports a failed run in the result (success=False, error_message, error) rather
    than raising, as the seed's KPUExecutionResult implies; call result.raise_for_error() to
    get the exception. Misuse (no program loaded) raises.
    """

    def __init__(self, config=None):
        self._config = get_config(config)
        self._program = None
        self._runtime = None

    def load_program(self, program) -> None:
        """Loads a Program, its .kpu bytes or a .kpu path; replaces any loaded program."""
        program = load_program(program)
        self._runtime = Runtime(program, self._config)
        self._program = program

    def unload_program(self) -> None:
        self._runtime = None
        self._program = None

    @property
    def program(self):
        return self._program

    def get_input_specs(self) -> list[tuple[str, tuple[int, ...], str]]:
        return self._loaded().inputs()

    def get_output_specs(self) -> list[tuple[str, tuple[int, ...], str]]:
        return self._loaded().outputs()

    def execute(self, inputs: dict[str, np.ndarray],
                mode: SimulationMode = SimulationMode.FUNCTIONAL,
                engine: Engine = Engine.FAST) -> KPUExecutionResult:
        runtime = self._loaded()
        mode = SimulationMode.parse(mode)
        try:
            outputs = runtime.execute(dict(inputs), int(mode), int(Engine(engine)))
            metrics = KPUPerformanceMetrics.from_native(runtime.metrics(),
                                                        runtime.metrics_json())
        except KPUError as e:
            return KPUExecutionResult(False, str(e), {}, KPUPerformanceMetrics(), mode, e)
        except TypeError as e:
            # An input the binding cannot hand to the library (a dtype the KPU lacks, not
            # array-like) is a bad input like any other: report it in the result too.
            err = InvalidArgumentError(str(e))
            return KPUExecutionResult(False, str(e), {}, KPUPerformanceMetrics(), mode, err)
        return KPUExecutionResult(True, None, outputs, metrics, mode)

    def _loaded(self):
        if self._runtime is None:
            raise KPUError("no program loaded: call load_program() first")
        return self._runtime
