"""Per-op partitioning: supported regions on the KPU, the rest in PyTorch, never silently; the
report's numbers; options; metrics of one model call; inference-only errors; the program cache.

torch.sin has no aten table entry, so it falls back whatever ops libkpu gains; linear, relu and
softmax are in libkpu from the start.
"""

import sys

import pytest
import torch
import torch.nn as nn

import kpu

from torch_helpers import cause, fallback_warnings

# float32 on both sides; only accumulation order differs (see test_torch_compile.py).
TOLERANCE = 1e-5


class Mixed(nn.Module):
    """linear -> sin (PyTorch) -> linear -> relu -> softmax: two KPU regions around one op."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(32, 24), nn.Linear(24, 8)

    def forward(self, x):
        return torch.softmax(torch.relu(self.fc2(torch.sin(self.fc1(x)))), -1)


def mixed():
    torch.manual_seed(0)
    return Mixed().eval()


@pytest.fixture(autouse=True)
def fresh_state():
    torch._dynamo.reset()
    kpu.set_fallback("error")
    yield
    kpu.set_fallback("error")


def _run(model, x, **options):
    compiled = torch.compile(model, backend="kpu", options=options)
    with torch.no_grad():
        return compiled(x), model(x)


def test_report_numbers_and_outputs():
    x = torch.randn(4, 32)
    with fallback_warnings() as warned:
        got, expected = _run(mixed(), x, fallback="torch")
    assert (got - expected).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    # aten: permute(W1) addmm sin permute(W2) addmm relu _softmax
    assert report.total_ops == 7
    assert report.torch_ops == 1 and report.fallbacks[0].op == "aten.sin.default"
    assert report.fallbacks[0].reason == "no aten table entry"
    assert report.folded_ops == 2 and report.kpu_ops == 4
    assert report.kpu_percent == pytest.approx(600 / 7)
    assert len(report.regions) == 2
    text = str(report)
    assert "7 aten ops, 6 on the KPU (85.7%" in text and "aten.sin.default x1" in text
    assert report.to_dict()["fallbacks"] == [
        {"op": "aten.sin.default", "reason": "no aten table entry", "count": 1}]
    assert kpu.fallback_report() is report
    # Never silent: one warning naming the op and the reason.
    assert len(warned) == 1
    assert "aten.sin.default x1 (no aten table entry)" in str(warned[0].message)


def test_metrics_sum_every_region():
    batch = 4
    got, _ = _run(mixed(), torch.randn(batch, 32), fallback="torch")
    m = kpu.last_metrics()
    assert m["on_kpu"] and m["regions"] == 2
    assert m["total_macs"] >= batch * (32 * 24 + 24 * 8)
    regions = {op["region"] for op in m["op_metrics"]}
    assert regions == {"kpu_region_0", "kpu_region_1"}
    assert m["total_cycles"] > 0 and m["total_energy_uj"] > 0


def test_metrics_reset_when_nothing_runs_on_the_kpu():
    _run(mixed(), torch.randn(2, 32), fallback="torch")
    assert kpu.last_metrics()["on_kpu"]

    class SinOnly(nn.Module):
        def forward(self, x):
            return torch.sin(x)

    torch._dynamo.reset()
    _run(SinOnly(), torch.randn(2, 32), fallback="torch")
    m = kpu.last_metrics()
    assert not m["on_kpu"] and m["regions"] == 0
    assert m["total_cycles"] == 0 and m["total_macs"] == 0 and m["op_metrics"] == []


def test_fallback_error_names_the_ops():
    compiled = torch.compile(mixed(), backend="kpu")
    with pytest.raises(Exception) as info:
        with torch.no_grad():
            compiled(torch.randn(2, 32))
    err = cause(info.value, kpu.UnsupportedOpError)
    assert err is not None
    assert err.ops == ["aten.sin.default (no aten table entry)"]
    assert str(err) == "Unsupported operators: aten.sin.default (no aten table entry)"


@pytest.mark.parametrize("spelling", ["aten.relu.default", "aten.relu", "relu",
                                      torch.ops.aten.relu.default, torch.ops.aten.relu])
def test_torch_executed_ops(spelling):
    got, expected = _run(mixed(), torch.randn(3, 32), fallback="torch",
                         torch_executed_ops=[spelling, "aten.sin.default"])
    assert (got - expected).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    forced = [r for r in report.fallbacks if r.op == "aten.relu.default"]
    assert len(forced) == 1 and forced[0].reason.startswith("forced to PyTorch by "
                                                            "torch_executed_ops")
    # The forced op splits the second region: addmm | relu | softmax.
    assert len(report.regions) == 3


def test_forced_ops_are_not_errors():
    # sin forced to PyTorch is the user's choice, so the "error" policy accepts the graph.
    got, expected = _run(mixed(), torch.randn(3, 32), torch_executed_ops=["aten.sin.default"])
    assert (got - expected).abs().max().item() < TOLERANCE


def test_min_block_size():
    got, expected = _run(mixed(), torch.randn(3, 32), fallback="torch", min_block_size=2)
    assert (got - expected).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    # The first region holds one op (addmm; the folded permute does not count): too small.
    assert len(report.regions) == 1
    small = [r for r in report.fallbacks if r.op == "aten.addmm.default"]
    assert len(small) == 1 and "min_block_size=2" in small[0].reason
    assert report.kpu_ops == 3


@pytest.mark.parametrize("options, message", [
    ({"fallbak": "torch"}, "unknown kpu backend option(s): fallbak"),
    ({"fallback": "cpu"}, "fallback must be one of"),
    ({"min_block_size": 0}, "min_block_size must be a positive int"),
    ({"engine": "warp"}, "unknown engine 'warp'"),
    ({"torch_executed_ops": [3]}, "torch_executed_ops: 3 is not"),
])
def test_bad_options(options, message):
    compiled = torch.compile(mixed(), backend="kpu", options=options)
    with pytest.raises(Exception) as info:
        with torch.no_grad():
            compiled(torch.randn(2, 32))
    err = cause(info.value, ValueError)
    assert err is not None and message in str(err)


def test_options_reach_the_backend():
    model = mixed()
    compiled = torch.compile(model, backend="kpu", options={
        "fallback": "torch", "config": "edge_ai", "mode": "transactional",
        "dataflow": kpu.Dataflow.OUTPUT_STATIONARY, "fusion": False})
    x = torch.randn(2, 32)
    with torch.no_grad():
        try:
            assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
        except kpu.UnimplementedError as e:
            # The mode reached libkpu, which does not time it yet.
            assert "TRANSACTIONAL" in str(e)
    (region, *_) = kpu.last_report().region_modules.values()
    assert region.settings["config"].name == "edge_ai"
    assert region.settings["mode"] is kpu.SimulationMode.TRANSACTIONAL
    assert region.settings["dataflow"] is kpu.Dataflow.OUTPUT_STATIONARY
    assert region.settings["fusion"] is False


def test_grad_mode_is_refused():
    compiled = torch.compile(mixed(), backend="kpu", options={"fallback": "torch"})
    with pytest.raises(Exception) as info:
        compiled(torch.randn(2, 32))  # grad mode on, parameters require grad
    err = cause(info.value, kpu.InferenceOnlyError)
    assert err is not None
    assert str(err).startswith("the KPU backend is inference-only: ")
    assert "torch.no_grad()" in str(err)


def test_inference_mode_and_frozen_parameters_are_fine():
    model = mixed().requires_grad_(False)
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    x = torch.randn(2, 32)
    assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE  # grad mode on, no grads
    torch._dynamo.reset()
    with torch.inference_mode():
        compiled = torch.compile(mixed(), backend="kpu", options={"fallback": "torch"})
        compiled(x)


@pytest.mark.parametrize("layer, what", [(nn.BatchNorm1d(24), "batch norm in training mode"),
                                         (nn.Dropout(0.5), "dropout in training mode")])
def test_training_mode_is_refused(layer, what):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 24), layer, nn.ReLU()).train()
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    with pytest.raises(Exception) as info:
        with torch.no_grad():
            compiled(torch.randn(4, 32))
    err = cause(info.value, kpu.InferenceOnlyError)
    assert err is not None
    assert str(err).startswith("the KPU backend is inference-only: ") and what in str(err)
    assert "model.eval()" in str(err)


@pytest.mark.parametrize("policy", ["torch", "error"])
def test_region_that_does_not_compile(policy, monkeypatch):
    from kpu import region as kpu_region

    def too_big(*args, **kwargs):
        raise kpu.KPUMemoryError(512 * 1024, 256 * 1024)

    monkeypatch.setattr(kpu_region, "compile_graph", too_big)
    model = mixed()
    compiled = torch.compile(model, backend="kpu",
                             options={"fallback": policy,
                                      "torch_executed_ops": ["aten.sin.default"]})
    x = torch.randn(2, 32)
    with torch.no_grad():
        if policy == "error":
            with pytest.raises(kpu.KPUMemoryError):
                compiled(x)
            return
        with fallback_warnings() as warned:
            assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    assert report.kpu_ops == 0 and report.torch_ops == report.total_ops
    reasons = {r.reason for r in report.fallbacks if r.op != "aten.sin.default"}
    assert reasons == {"its KPU region failed to compile: SRAM memory exceeded: 512KB required, "
                       "256KB available"}
    assert any("cannot be compiled" in str(w.message) for w in warned)
    assert not kpu.last_metrics()["on_kpu"]


def test_buffer_update_is_refused():
    class Counting(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.register_buffer("count", torch.zeros(3))

        def forward(self, x):
            torch.add(self.count, 1, out=self.count)  # not a Tensor.add_ Dynamo would show
            return self.fc(x) + self.count

    compiled = torch.compile(Counting().eval(), backend="kpu", options={"fallback": "torch"})
    with pytest.raises(Exception) as info:
        with torch.no_grad():
            compiled(torch.randn(2, 3))
    err = cause(info.value, kpu.InferenceOnlyError)
    assert err is not None and "updates a parameter or buffer in place" in str(err)


def _region(report):
    (region, *_) = report.region_modules.values()
    return region


def test_program_cache_is_bounded():
    model = mixed()
    compiled = torch.compile(model, backend="kpu",
                             options={"fallback": "torch", "program_cache_size": 2,
                                      "recompile_limit": 3})
    with fallback_warnings() as warned, torch.no_grad():
        for batch in (1, 2, 3, 4, 5, 2, 6):
            x = torch.randn(batch, 32)
            assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
    # Batch 1 compiles a static graph; from batch 2 on Dynamo hands over one dynamic graph,
    # whose regions compile batches 2, 3, 4 and then stop at the limit.
    region = _region(kpu.last_report())
    assert region.builds == 3
    assert region.cached_programs <= 2
    limit = [w for w in warned if "recompile limit reached" in str(w.message)]
    assert len(limit) >= 1
    assert any("recompile limit" in note for note in kpu.last_report().notes)


def test_recompile_limit_under_error_policy():
    model = mixed()
    compiled = torch.compile(model, backend="kpu",
                             options={"torch_executed_ops": ["aten.sin.default"],
                                      "recompile_limit": 2})
    with torch.no_grad():
        for batch in (1, 2, 3):
            compiled(torch.randn(batch, 32))
        with pytest.raises(kpu.CompilationError, match="recompile limit reached"):
            compiled(torch.randn(4, 32))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
