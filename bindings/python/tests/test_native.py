"""The _kpu module over kpu.h: registry, configs, graph builder, programs, runtime, errors."""

import json
import os
import sys

import numpy as np
import pytest

import kpu
from kpu._native import lib

from graphs import mlp_graph, mlp_reference, mlp_weights


def test_versions():
    assert lib.api_version() == lib.HEADER_API_VERSION
    assert kpu.version() and kpu.__version__ == kpu.version()


def test_registry_and_presets():
    ops = kpu.op_names()
    assert ops == sorted(ops) and {"linear", "relu", "softmax"} <= set(ops)
    presets = kpu.preset_names()
    assert kpu.DEFAULT_PRESET in presets


def test_config_round_trip():
    cfg = kpu.get_config(kpu.DEFAULT_PRESET)
    assert cfg.name == kpu.DEFAULT_PRESET
    text = cfg.to_json()
    json.loads(text)
    assert kpu.KPUConfig.parse(text).name == cfg.name
    with pytest.raises(kpu.KPUError):
        kpu.KPUConfig.preset("no-such-kpu")


def test_graph_attrs_and_serialization():
    g = kpu.Graph("attrs")
    g.add_input("x", [2, 3], "float32")
    # Every attribute kind reaches the graph (numpy ints count as ints, [1, 2.5] as floats).
    g.add_node("softmax", "s", ["x"], ["y"],
               {"axis": np.int64(-1), "f": 0.5, "s": "text", "ints": [1, 2], "floats": [1, 2.5]})
    g.add_output("y")
    doc = json.loads(g.to_json())
    attrs = doc["nodes"][0]["attributes"]
    assert attrs["s"] == {"s": "text"} and attrs["f"] == {"f": 0.5}
    assert [int(v) for v in attrs["ints"]["ints"]["values"]] == [1, 2]
    assert attrs["floats"]["floats"]["values"] == [1, 2.5]
    assert int(attrs["axis"]["i"]) == -1
    again = kpu.Graph.parse(g.serialize())
    assert json.loads(again.to_json()) == doc
    with pytest.raises(TypeError):
        g.add_node("relu", "r", ["y"], ["z"], {"bad": {"a": 1}})


def test_compile_execute_matches_reference():
    layers = mlp_weights()
    program = kpu.compile_graph(mlp_graph(4, layers))
    assert program.inputs() == [("x", (4, 784), "float32")]
    assert program.outputs() == [("probs", (4, 10), "float32")]
    x = np.random.default_rng(1).standard_normal((4, 784)).astype(np.float32)
    rt = kpu.Runtime(program)
    out = rt.execute({"x": x})
    assert set(out) == {"probs"} and out["probs"].dtype == np.float32
    # float32 kernels against a float64 reference
    np.testing.assert_allclose(out["probs"], mlp_reference(x, layers), atol=1e-5)
    m = rt.metrics()
    for field in ("total_cycles", "total_time_us", "compute_cycles", "memory_stall_cycles",
                  "other_cycles", "dram_reads_bytes", "dram_writes_bytes", "sram_reads_bytes",
                  "sram_writes_bytes", "l1_hits", "l1_misses", "l2_hits", "l2_misses",
                  "average_power_watts", "total_energy_uj", "compute_utilization",
                  "memory_bandwidth_utilization", "total_macs"):
        assert field in m, field
    assert m["total_cycles"] > 0
    json.loads(rt.metrics_json())
    assert rt.schedule_text().strip()


def test_program_round_trips(tmp_path):
    program = kpu.compile_graph(mlp_graph(2, mlp_weights()))
    data = program.serialize()
    assert data[:4] == b"KPU\0"
    again = kpu.Program.deserialize(data)
    assert again.inputs() == program.inputs() and again.outputs() == program.outputs()
    path = os.path.join(tmp_path, "mlp.kpu")
    program.save(path)
    assert kpu.load_program(path).outputs() == program.outputs()
    json.loads(program.to_json())
    assert program.config().name == kpu.DEFAULT_PRESET


def test_errors_are_package_classes():
    with pytest.raises(kpu.KPUIOError) as info:
        kpu.Program.load_file("/nonexistent/x.kpu")
    assert info.value.status_name == "KPU_ERROR_IO"
    assert info.value.status == 7


def test_native_error_without_factory():
    lib.set_error_factory(None)
    try:
        with pytest.raises(lib.KPUNativeError) as info:
            kpu.Program.deserialize(b"nope")
        assert info.value.status_name == "KPU_ERROR_INVALID_PROGRAM"
    finally:
        lib.set_error_factory(kpu.errors.from_status)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
