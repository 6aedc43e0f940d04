"""One small graph per aten spelling the table handles, lowered against a libkpu with every
contract op and run on the contract's reference evaluator (contract_reference.py), against
eager PyTorch. This pins each converter's inputs and attributes to the op contract."""

import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import kpu
from kpu import region as kpu_region
from kpu import torch_backend

from contract_ops import CONTRACT_OPS
from contract_reference import ReferenceRuntime, reference_compile

# float32 everywhere; the reference evaluator uses the same torch kernels as eager, so only
# re-associations (folded scalars, BN) move results, by a few ulps.
TOLERANCE = 1e-5


def _module(layer):
    torch.manual_seed(0)
    layer = layer.eval()
    if isinstance(layer, nn.BatchNorm2d):
        with torch.no_grad():
            layer.running_mean.uniform_(-1, 1)
            layer.running_var.uniform_(0.5, 2)
    return layer


# (id, function or module, input shapes, registry ops the graph must use)
CASES = [
    ("conv_transpose2d", _module(nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1,
                                                    output_padding=1)),
     [(1, 4, 5, 5)], {"conv_transpose2d"}),
    ("conv2d_grouped_dilated", _module(nn.Conv2d(4, 6, 3, stride=2, padding=2, dilation=2,
                                                 groups=2)), [(2, 4, 9, 9)], {"conv2d"}),
    ("batch_norm_no_affine", _module(nn.BatchNorm2d(4, affine=False)), [(2, 4, 3, 3)],
     {"batch_norm"}),
    ("max_pool2d_ceil", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 8, 8)],
     {"max_pool2d"}),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     [(1, 2, 8, 8)], {"avg_pool2d"}),
    ("avg_pool2d_divisor", lambda x: F.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 6, 6)],
     {"avg_pool2d"}),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 3)), [(1, 2, 8, 8)],
     {"adaptive_avg_pool2d"}),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2)), [(1, 2, 8, 7)],
     {"adaptive_max_pool2d"}),
    ("global_avg_pool", lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)], {"mean"}),
    ("activations", lambda x: F.gelu(x) + F.gelu(x, approximate="tanh") + F.leaky_relu(x, 0.2)
     + F.hardswish(x) + F.hardsigmoid(x) + torch.tanh(x) + torch.sigmoid(x) + F.silu(x)
     + F.relu6(x) + F.hardtanh(x, -0.5, 0.25),
     [(2, 8)], {"gelu", "leaky_relu", "hardswish", "hardsigmoid", "tanh", "sigmoid", "silu",
                "hardtanh", "add"}),
    ("clamp", lambda x: torch.clamp(x, -0.5, 0.7) + torch.clamp(x, min=0.1)
     + torch.clamp(x, max=-0.2), [(3, 5)], {"clamp"}),
    ("scalars", lambda x, y: (x * 2.5 + 1) - y / 3 + (1 - x), [(2, 6), (2, 6)],
     {"mul", "add", "sub", "div"}),
    ("alpha", lambda x, y: x.add(y, alpha=2) + x.sub(y, alpha=0.5) + x / y,
     [(2, 6), (2, 6)], {"add", "sub", "div", "mul"}),
    ("broadcast", lambda x, y: x * y + y, [(2, 3, 4), (4,)], {"mul", "add"}),
    ("permute", lambda x: x.transpose(1, 2).permute(0, 2, 1, 3).contiguous() * 2,
     [(2, 3, 4, 5)], {"permute"}),
    ("views", lambda x: x.unsqueeze(0).flatten(2).squeeze(0).view(2, -1) + 1,
     [(2, 3, 4)], {"reshape"}),
    ("slices", lambda x: x[:, 1:5:2] + x[:, :-3:2] * x[:, -2:], [(2, 7)], {"slice"}),
    ("split_chunk", lambda x: torch.cat([a * (i + 1) for i, a in
                                         enumerate(torch.split(x, 3, dim=1))]
                                        + list(torch.chunk(x, 2, dim=-1)), dim=-1),
     [(2, 8)], {"split", "concat"}),
    ("pad", lambda x: F.pad(x, (1, 2, 0, 3)) + 1 + F.pad(x, (2, 1, 3, 0), value=0.5),
     [(1, 2, 3, 4)], {"pad"}),
    ("reductions", lambda x: x.sum(dim=(1, 2), keepdim=True) + x.amax(-1, keepdim=True)
     + x.mean(1, keepdim=True), [(2, 3, 4)], {"sum", "amax", "mean"}),
    ("softmaxes", lambda x: torch.softmax(x, 1) + torch.log_softmax(x, -1), [(2, 5, 3)],
     {"softmax", "log_softmax"}),
    ("bmm", lambda a, b: torch.bmm(a, b), [(2, 3, 4), (2, 4, 5)], {"matmul"}),
    ("matmul_3d", lambda a, b: a @ b, [(2, 3, 4), (4, 5)], {"matmul"}),
    ("linear_3d", _module(nn.Linear(6, 4)), [(2, 3, 6)], set()),
    ("upsample_bilinear", lambda x: F.interpolate(x, size=(7, 9), mode="bilinear")
     + F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True), [(1, 2, 4, 5)],
     {"upsample_bilinear2d"}),
    ("upsample_nearest_size", lambda x: F.interpolate(x, size=(7, 9)), [(1, 2, 4, 5)],
     {"upsample_nearest2d"}),
    ("upsample_nearest_scale", lambda x: F.interpolate(x, scale_factor=3), [(1, 2, 4, 5)],
     {"upsample_nearest2d"}),
    ("identity_ops", lambda x: x.clone().detach() + 1, [(3,)], {"add"}),
]


@pytest.fixture
def reference_kpu(monkeypatch):
    monkeypatch.setattr(torch_backend, "available_ops", lambda: CONTRACT_OPS)
    graphs = []

    def compile_graph(graph, *args, **kwargs):
        graphs.append(reference_compile(graph))
        return graphs[-1]

    monkeypatch.setattr(kpu_region, "compile_graph", compile_graph)
    monkeypatch.setattr(kpu_region, "Runtime", ReferenceRuntime)
    torch._dynamo.reset()
    yield graphs
    torch._dynamo.reset()


@pytest.mark.parametrize("fn, shapes, ops", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_op_matches_eager(fn, shapes, ops, reference_kpu):
    gen = torch.Generator().manual_seed(1)
    inputs = [torch.rand(s, generator=gen) + 0.5 for s in shapes]
    compiled = torch.compile(fn, backend="kpu")  # fallback "error": everything must lower
    with torch.no_grad():
        got, expected = compiled(*inputs), fn(*inputs)
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    assert got.shape == expected.shape
    assert (got - expected).abs().max().item() < TOLERANCE
    used = {n["op_type"] for g in reference_kpu for n in g["nodes"]}
    assert ops <= used, f"expected {ops}, the graph used {used}"


def test_dynamic_shapes(reference_kpu):
    # Size arithmetic (sym_size, SymInt products) is host work inside a region, not an op.
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)).eval()

    def fn(x):
        return model(x).view(x.shape[0], -1, 2).sum(-1) * x.shape[0]

    compiled = torch.compile(fn, backend="kpu", dynamic=True)
    with torch.no_grad():
        for batch in (2, 3, 5):
            x = torch.randn(batch, 3, 8, 8)
            assert (compiled(x) - fn(x)).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    assert report.fully_on_kpu and len(report.regions) == 1
    assert not any("sym_size" in r.op or r.op.startswith("operator.") for r in report.records)
    (region,) = report.region_modules.values()
    assert region.builds == 3


def test_registry_ahead_of_compiler(reference_kpu, monkeypatch):
    """libkpu may register an op (and run it) before its compiler can lower it: the region that
    fails to compile is re-partitioned without that op, the rest stays on the KPU, the report
    says why, and later regions skip the op without trying."""
    monkeypatch.setattr(kpu._state, "_compiler_lacks", set())

    def compile_graph(graph, *args, **kwargs):
        doc = reference_compile(graph)
        if any(n["op_type"] == "conv2d" for n in doc["nodes"]):
            raise kpu.UnsupportedOpError(["conv2d"])
        reference_kpu.append(doc)
        return doc

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
    assert kpu.last_metrics()["regions"] == len(report.regions) == 2
    # The next graph leaves conv2d out from the start.
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    with torch.no_grad():
        assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE
    assert not kpu.last_report().notes
    assert len(kpu.last_report().regions) == 2


def test_non_float32_falls_back(reference_kpu):
    compiled = torch.compile(lambda x: (x + 1) * 2, backend="kpu", options={"fallback": "torch"})
    with torch.no_grad():
        got = compiled(torch.arange(6, dtype=torch.int64))
    assert got.tolist() == [2, 4, 6, 8, 10, 12]
    report = kpu.last_report()
    assert {r.reason for r in report.fallbacks} == {"dtype int64"}


def test_used_pool_indices_fall_back(reference_kpu):
    def fn(x):
        y, idx = F.max_pool2d(x, 2, return_indices=True)
        return y + idx.float()

    compiled = torch.compile(fn, backend="kpu", options={"fallback": "torch"})
    x = torch.rand(1, 1, 4, 4)
    with torch.no_grad():
        assert torch.equal(compiled(x), fn(x))
    reasons = {r.op: r.reason for r in kpu.last_report().fallbacks}
    # The int64 indices are read, so the op is not float32-only any more.
    assert reasons["aten.max_pool2d_with_indices.default"] == "dtype int64"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
