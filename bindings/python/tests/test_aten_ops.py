"""Matrix products, reductions, elementwise and softmax ops through torch.compile(backend="kpu") on
the real libkpu, fast engine and DFX tile interpreter, against eager PyTorch: bmm and torch.matmul
with broadcast batches of different ranks, mean / sum / amax over one or several (negative) axes
with and without keepdim, activations, scalars and broadcasting. Then how the backend partitions
when libkpu's compiler turns an op down, non-float32 tensors and used pool indices, and dynamic
shapes."""

import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import kpu
from kpu import region as kpu_region

from aten_check import TOLERANCE, Case, check_on_kpu, module, params

CASES = [
    # bmm and torch.matmul (batch dims broadcast; B of rank >= 3 is kpu::matmul, see
    # kpu/aten/matmul.py)
    Case("bmm", torch.bmm, [(2, 3, 4), (2, 4, 5)], {"matmul"}),
    Case("bmm_transposed_b", lambda a, b: torch.bmm(a, b.transpose(1, 2)), [(2, 3, 4), (2, 5, 4)],
         {"matmul"}),
    Case("matmul_3d_2d", lambda a, b: a @ b, [(2, 3, 4), (4, 5)], {"matmul"}),
    Case("matmul_2d_3d", lambda a, b: a @ b, [(3, 4), (2, 4, 5)], {"matmul"}),
    Case("matmul_rank_mismatch", lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 6)], {"matmul"}),
    Case("matmul_both_broadcast", torch.matmul, [(2, 1, 3, 4), (1, 5, 4, 6)], {"matmul"}),
    Case("matmul_4d", lambda a, b: a.matmul(b), [(2, 3, 4, 5), (2, 3, 5, 2)], {"matmul"}),
    Case("matmul_transposed", lambda a, b: a @ b.transpose(-1, -2), [(2, 3, 4), (2, 5, 4)],
         {"matmul"}),
    # core aten turns a matrix-vector product into mul and sum
    Case("matmul_vector", lambda a, v: a @ v, [(2, 3, 4), (4,)], {"mul", "sum"}),
    Case("linear_3d", module(nn.Linear(6, 4)), [(2, 3, 6)], {"matmul"}),
    # reductions
    Case("mean_keepdim", lambda x: x.mean(1, keepdim=True), [(2, 3, 4)], {"mean"}),
    Case("mean", lambda x: x.mean(1), [(2, 3, 4)], {"mean"}),
    Case("mean_negative_axes", lambda x: x.mean((-1, -2)), [(2, 3, 4, 5)], {"mean"}),
    Case("mean_axes_keepdim", lambda x: x.mean((0, 2), keepdim=True), [(2, 3, 4, 5)], {"mean"}),
    Case("mean_all", lambda x: x.mean() + x, [(2, 3, 4)], {"mean", "add"}),
    Case("global_avg_pool", lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)], {"mean"}),
    Case("sum_keepdim", lambda x: x.sum(-1, keepdim=True), [(2, 3, 4)], {"sum"}),
    Case("sum_axes", lambda x: x.sum((1, 3)), [(2, 3, 4, 5)], {"sum"}),
    Case("sum_all_axes", lambda x: x.sum((0, 1, 2)), [(2, 3, 4)], {"sum"}),
    Case("sum_all", lambda x: x.sum() * x, [(2, 3)], {"sum", "mul"}),
    Case("amax_keepdim", lambda x: x.amax(-2, keepdim=True), [(2, 3, 4)], {"amax"}, True),
    Case("amax_axes", lambda x: x.amax((0, -1)), [(2, 3, 4)], {"amax"}, True),
    Case("amax_negative_axes_keepdim", lambda x: x.amax((-1, -3), keepdim=True), [(2, 3, 4, 5)],
         {"amax"}, True),
    Case("max_values", lambda x: torch.max(x, dim=1).values, [(2, 3, 4)], {"amax"}, True),
    Case("reductions_mixed", lambda x: x.sum(dim=(1, 2), keepdim=True) + x.amax(-1, keepdim=True)
         + x.mean(1, keepdim=True), [(2, 3, 4)], {"sum", "amax", "mean"}),
    # elementwise and softmax
    Case("activations", lambda x: F.gelu(x) + F.gelu(x, approximate="tanh")
         + F.leaky_relu(x, 0.2) + F.hardswish(x) + F.hardsigmoid(x) + torch.tanh(x)
         + torch.sigmoid(x) + F.silu(x) + F.relu6(x) + F.hardtanh(x, -0.5, 0.25) + F.relu(x),
         [(2, 8)], {"gelu", "leaky_relu", "hardswish", "hardsigmoid", "tanh", "sigmoid", "silu",
                    "hardtanh", "relu", "add"}),
    Case("clamp", lambda x: torch.clamp(x, -0.5, 0.7) + torch.clamp(x, min=0.1)
         + torch.clamp(x, max=-0.2), [(3, 5)], {"clamp"}),
    Case("scalars", lambda x, y: (x * 2.5 + 1) - y / 3 + (1 - x), [(2, 6), (2, 6)],
         {"mul", "add", "sub"}, positive=True),
    Case("alpha", lambda x, y: x.add(y, alpha=2) + x.sub(y, alpha=0.5) + x / y,
         [(2, 6), (2, 6)], {"add", "sub", "div", "mul"}, positive=True),
    Case("broadcast", lambda x, y: x * y + y, [(2, 3, 4), (4,)], {"mul", "add"}),
    Case("broadcast_both", lambda x, y: x / y - x, [(2, 1, 4), (3, 1)], {"div", "sub"},
         positive=True),
    Case("softmaxes", lambda x: torch.softmax(x, 1) + torch.log_softmax(x, -1), [(2, 5, 3)],
         {"softmax", "log_softmax"}),
]


@params(CASES)
def test_op_matches_eager(case, engine):
    check_on_kpu(case, engine)


@pytest.fixture
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def test_broadcast_matmul_forced_to_pytorch(fresh_dynamo):
    # kpu::matmul (the rewritten torch.matmul) computes torch.matmul itself where it falls back.
    compiled = torch.compile(lambda a, b: (a @ b) + 1, backend="kpu",
                             options={"fallback": "torch", "torch_executed_ops": ["matmul"]})
    a, b = torch.randn(2, 1, 3, 4), torch.randn(5, 4, 6)
    with torch.no_grad(), pytest.warns(kpu.KPUFallbackWarning):
        assert torch.equal(compiled(a, b), (a @ b) + 1)
    report = kpu.last_report()
    assert {r.op for r in report.fallbacks} == {"kpu.matmul.default"}
    assert {r.op for r in report.records if r.where == "kpu"} == {"aten.add.Tensor"}


def test_dynamic_shapes(fresh_dynamo):
    # Size arithmetic (sym_size, SymInt products) is host work inside a region, not an op.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)).eval()

    def fn(x):
        return model(x).view(x.shape[0], -1, 2).sum(-1) * x.shape[0]

    compiled = torch.compile(fn, backend="kpu", dynamic=True)
    with torch.no_grad():
        for batch in (2, 3, 5):
            x = torch.randn(batch, 3, 8, 8)
            assert (compiled(x) - fn(x)).abs().max().item() < TOLERANCE * 10
    report = kpu.last_report()
    assert report.fully_on_kpu and len(report.regions) == 1
    assert not any("sym_size" in r.op or r.op.startswith("operator.") for r in report.records)
    (region,) = report.region_modules.values()
    assert region.builds == 3


def test_registry_ahead_of_compiler(fresh_dynamo, monkeypatch):
    """libkpu may register an op (and run it) before its compiler can lower it: the region that
    fails to compile is re-partitioned without that op, the rest stays on the KPU, the report
    says why, and later regions skip the op without trying. libkpu's compiler lowers every op it
    registers today, so the refusal is injected in front of the real compile."""
    monkeypatch.setattr(kpu._state, "_compiler_lacks", set())
    real_compile = kpu_region.compile_graph

    def compile_graph(graph, *args, **kwargs):
        if '"conv2d"' in graph.to_json().replace(" ", ""):
            raise kpu.UnsupportedOpError(["conv2d"])
        return real_compile(graph, *args, **kwargs)

    monkeypatch.setattr(kpu_region, "compile_graph", compile_graph)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Unflatten(1, (2, 2, 2)),
                          nn.Conv2d(2, 3, 1), nn.Flatten(), nn.Linear(12, 5)).eval()
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    x = torch.randn(4, 6)
    with torch.no_grad(), pytest.warns(kpu.KPUFallbackWarning, match="cannot compile"):
        assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    fallbacks = {r.op: r.reason for r in report.fallbacks}
    assert fallbacks == {"aten.convolution.default": "libkpu's compiler cannot lower 'conv2d' yet"}
    assert {r.op for r in report.records if r.where == "kpu"} >= {
        "aten.addmm.default", "aten.relu.default", "aten.view.default"}
    assert all(r.region.startswith("kpu_region_0/") for r in report.records if r.where == "kpu")
    m = kpu.last_metrics()
    assert m["regions"] == len(report.regions) == 2 and m["on_kpu"]
    assert {"matmul", "reshape"} <= {op["op_type"] for op in m["op_metrics"]}
    # The next graph leaves conv2d out from the start.
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    with torch.no_grad():
        assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
    assert not kpu.last_report().notes
    assert len(kpu.last_report().regions) == 2


def test_non_float32_falls_back(fresh_dynamo):
    compiled = torch.compile(lambda x: (x + 1) * 2, backend="kpu", options={"fallback": "torch"})
    with torch.no_grad(), pytest.warns(kpu.KPUFallbackWarning):
        got = compiled(torch.arange(6, dtype=torch.int64))
    assert got.tolist() == [2, 4, 6, 8, 10, 12]
    report = kpu.last_report()
    assert {r.reason for r in report.fallbacks} == {"dtype int64"}
    assert not kpu.last_metrics()["on_kpu"]


def test_used_pool_indices_fall_back(fresh_dynamo):
    def fn(x):
        y, idx = F.max_pool2d(x, 2, return_indices=True)
        return y + idx.float()

    compiled = torch.compile(fn, backend="kpu", options={"fallback": "torch"})
    x = torch.rand(1, 1, 4, 4)
    with torch.no_grad(), pytest.warns(kpu.KPUFallbackWarning):
        assert torch.equal(compiled(x), fn(x))
    reasons = {r.op: r.reason for r in kpu.last_report().fallbacks}
    # The int64 indices are read, so the op is not float32-only any more.
    assert reasons["aten.max_pool2d_with_indices.default"] == "dtype int64"


def test_used_max_indices_fall_back(fresh_dynamo):
    # torch.max(x, dim) is amax only while its indices go unused.
    def fn(x):
        values, idx = torch.max(x, dim=-1)
        return values + idx.float()

    compiled = torch.compile(fn, backend="kpu", options={"fallback": "torch"})
    x = torch.randn(3, 5)
    with torch.no_grad(), pytest.warns(kpu.KPUFallbackWarning):
        assert torch.equal(compiled(x), fn(x))
    assert "aten.max.dim" in {r.op for r in kpu.last_report().fallbacks}


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
