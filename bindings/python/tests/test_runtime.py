"""Seed 004's KPURuntime: load_program, specs, execute -> KPUExecutionResult, unload."""

import dataclasses
import sys

import numpy as np
import pytest

import kpu

from graphs import mlp_graph, mlp_reference, mlp_weights

SEED_004_METRICS = {
    "total_cycles", "total_time_us", "compute_cycles", "memory_stall_cycles", "other_cycles",
    "dram_reads_bytes", "dram_writes_bytes", "sram_reads_bytes", "sram_writes_bytes", "l1_hits",
    "l1_misses", "l2_hits", "l2_misses", "average_power_watts", "total_energy_uj",
    "compute_utilization", "memory_bandwidth_utilization", "op_metrics",
}


@pytest.fixture(scope="module")
def layers():
    return mlp_weights(seed=3)


@pytest.fixture(scope="module")
def program_bytes(layers):
    return kpu.compile_graph(mlp_graph(8, layers)).serialize()


def test_metrics_dataclass_has_every_seed_field():
    names = {f.name for f in dataclasses.fields(kpu.KPUPerformanceMetrics)}
    assert SEED_004_METRICS <= names


def test_load_execute_unload(layers, program_bytes):
    rt = kpu.KPURuntime()
    rt.load_program(program_bytes)
    assert rt.get_input_specs() == [("x", (8, 784), "float32")]
    assert rt.get_output_specs() == [("probs", (8, 10), "float32")]
    x = np.random.default_rng(2).standard_normal((8, 784)).astype(np.float32)
    result = rt.execute({"x": x}, kpu.SimulationMode.FUNCTIONAL)
    assert result.success and result.error_message is None
    assert result.mode is kpu.SimulationMode.FUNCTIONAL
    np.testing.assert_allclose(result.outputs["probs"], mlp_reference(x, layers), atol=1e-5)
    m = result.metrics
    assert m.total_cycles > 0 and m.total_time_us > 0 and m.total_energy_uj > 0
    assert 0 < m.compute_utilization <= 1
    assert m.op_metrics, "metrics_json carries a per-op breakdown"
    assert all(not name.isdigit() for name in m.op_metrics), "ops are keyed by their id"
    assert sum(op["macs"] for op in m.op_metrics.values()) == m.total_macs
    rt.unload_program()
    with pytest.raises(kpu.KPUError):
        rt.get_input_specs()


@pytest.mark.parametrize("mode", list(kpu.SimulationMode))
def test_every_mode_returns_true_outputs(layers, program_bytes, mode):
    # ARCHITECTURE.md decision 3: modes differ in timing only.
    rt = kpu.KPURuntime()
    rt.load_program(program_bytes)
    x = np.random.default_rng(4).standard_normal((8, 784)).astype(np.float32)
    result = rt.execute({"x": x}, mode)
    if isinstance(result.error, kpu.UnimplementedError):
        pytest.skip(f"libkpu does not provide this mode yet: {result.error_message}")
    assert result.success, result.error_message
    np.testing.assert_allclose(result.outputs["probs"], mlp_reference(x, layers), atol=1e-5)
    assert result.metrics.total_cycles > 0


def test_mode_names_in_both_vocabularies():
    assert kpu.SimulationMode.parse("behavioral") is kpu.SimulationMode.FUNCTIONAL
    assert kpu.Fidelity.CYCLE_ACCURATE == 2 and kpu.SimulationMode.POWER_TRACE == 3
    assert kpu.Engine.FAST == 0 and kpu.Engine.DFX_INTERPRETER == 1
    assert kpu.Engine.DFX_INTERPRETER_REORDERED == 2


def test_failed_run_is_reported_in_the_result(program_bytes):
    rt = kpu.KPURuntime()
    rt.load_program(program_bytes)
    result = rt.execute({"x": np.zeros((3, 784), np.float32)})
    assert not result.success
    assert result.error_message == "Input shape mismatch: expected (8,784), got (3,784)"
    assert isinstance(result.error, kpu.ShapeMismatchError)
    with pytest.raises(kpu.ShapeMismatchError):
        result.raise_for_error()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
