"""ResNet-18/50, MobileNetV2 and a YOLOv8n-style detector through the aten-level backend.

With a libkpu that had every op of the contract, every aten node these models produce would run
on the KPU: the lowering is checked against that hypothetical registry, and the KPU graphs it
builds are run by a reference evaluator of the op contract (contract_reference.py) and compared
with eager PyTorch. With today's libkpu, the same models run with the unsupported ops in
PyTorch, and the report says which.
"""

import sys
from collections import Counter

import pytest
import torch
import torch.nn as nn

import kpu
from kpu import region as kpu_region
from kpu import torch_backend
from kpu.testing import models

from contract_ops import CONTRACT_OPS
from contract_reference import ReferenceRuntime, reference_compile
from torch_helpers import fallback_warnings

# Tens of layers in float32: differences come only from accumulation order in the few KPU ops.
TOLERANCE = 1e-4
SIZE = 64


@pytest.fixture(autouse=True)
def fresh_state():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _model(name):
    return models.eval_model(name)


@pytest.fixture
def full_registry(monkeypatch):
    """A libkpu with every contract op, whose programs run on the contract's reference
    evaluator. Returns the list the compiled graphs (as JSON) are appended to."""
    monkeypatch.setattr(torch_backend, "available_ops", lambda: CONTRACT_OPS)
    graphs = []

    def compile_graph(graph, *args, **kwargs):
        graphs.append(reference_compile(graph))
        return graphs[-1]

    monkeypatch.setattr(kpu_region, "compile_graph", compile_graph)
    monkeypatch.setattr(kpu_region, "Runtime", ReferenceRuntime)
    return graphs


def _ops(graphs) -> Counter:
    return Counter(n["opType"] if "opType" in n else n["op_type"]
                   for g in graphs for n in g["nodes"])


def _count(model, cls) -> int:
    return sum(isinstance(m, cls) for m in model.modules())


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_every_aten_node_lowers(name, full_registry):
    model = _model(name)
    # fallback "error": one aten node without a working entry fails the compile.
    compiled = torch.compile(model, backend="kpu")
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        got, expected = compiled(x), model(x)
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    assert len(report.regions) == 1
    assert report.kpu_ops > 50
    assert (got - expected).abs().max().item() < TOLERANCE

    ops = _ops(full_registry)
    assert ops["conv2d"] == _count(model, nn.Conv2d)
    assert ops["batch_norm"] == _count(model, nn.BatchNorm2d)
    conv = next(n for g in full_registry for n in g["nodes"]
                if n.get("opType", n.get("op_type")) == "conv2d")
    attrs = conv["attributes"]
    assert len(attrs["padding"]["ints"]["values"]) == 4
    assert set(attrs) >= {"stride", "padding", "dilation", "groups"}
    if name.startswith("resnet"):
        assert ops["max_pool2d"] == 1 and ops["mean"] == 1 and ops["linear"] == 1
    if name == "mobilenet_v2":
        assert ops["hardtanh"] == _count(model, nn.ReLU6)
    if name == "yolov8n":
        assert ops["upsample_nearest2d"] == 2 and ops["silu"] == ops["batch_norm"]
        assert ops["max_pool2d"] == 3 and ops["split"] >= 1 and ops["concat"] >= 1
        assert ops["softmax"] == 1


def test_resnet18_with_todays_libkpu():
    model = _model("resnet18")
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad(), fallback_warnings() as warned:
        got, expected = compiled(x), model(x)
    assert (got - expected).abs().max().item() < TOLERANCE
    report = kpu.last_report()
    # A fallback is never silent; with every op lowered there is none to report.
    assert bool(warned) == bool(report.fallbacks), (warned, report.fallbacks)
    assert report.total_ops == report.kpu_ops + report.folded_ops + report.torch_ops
    # What libkpu offers: its registry, less the ops its compiler turned down during the run.
    available = torch_backend.available_ops()
    on_kpu = {r.op for r in report.records if r.where == "kpu"}
    if "relu" in available:
        assert "aten.relu.default" in on_kpu
    if "conv2d" in available:
        assert "aten.convolution.default" in on_kpu
    else:
        reasons = {r.reason for r in report.fallbacks if r.op == "aten.convolution.default"}
        assert reasons <= {"libkpu has no 'conv2d'",
                           "libkpu's compiler cannot lower 'conv2d' yet"} and reasons
    m = kpu.last_metrics()
    assert m["on_kpu"] and m["regions"] == len(report.regions) > 0


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
