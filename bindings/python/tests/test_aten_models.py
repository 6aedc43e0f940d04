"""ResNet-18, MobileNetV2 and a YOLOv8n-style detector through torch.compile(backend="kpu") on
the real libkpu at 32x32, batch 2: entirely on the KPU, within 1e-4 of eager, and the KPU graphs
the aten lowering builds have the structure the models have (one conv2d per nn.Conv2d, one
batch_norm per nn.BatchNorm2d before the compiler folds them, the attributes the op contract names).
YOLOv8n also runs on the DFX tile interpreter (batch 1). tests/models_e2e_test.py runs the same
models and ResNet-50 (the same aten ops as ResNet-18, in bottlenecks; 15 s more here, where compile
time is mostly Dynamo's) at 224x224 (320 for YOLO), batch 1 and 4, on the fast engine."""

import json
import sys
from collections import Counter

import pytest
import torch
import torch.nn as nn

import kpu
from kpu.testing import models

# Tens of layers in float32: differences come only from accumulation order.
TOLERANCE = 1e-4
SIZE = 32


@pytest.fixture(autouse=True)
def fresh_state():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _flat(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _max_abs_diff(got, expected) -> float:
    return max((g - e).abs().max().item() for g, e in zip(_flat(got), _flat(expected)))


def _lowered_graphs(report) -> list[dict]:
    """The KPU graphs (JSON) the aten lowering built for the last model's regions."""
    graphs = []
    for region in report.region_modules.values():
        for program in region._programs.values():
            graphs.append(json.loads(program.lowered.graph.to_json()))
    return graphs


def _op_type(node: dict) -> str:
    return node["opType"] if "opType" in node else node["op_type"]


def _count(model, cls) -> int:
    return sum(isinstance(m, cls) for m in model.modules())


def _run(name, size, engine, batch=2):
    model = models.eval_model(name)
    # fallback "error": one aten node without a working entry fails the compile.
    compiled = torch.compile(model, backend="kpu", options={"engine": engine})
    x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        got, expected = compiled(x), model(x)
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    assert kpu.last_metrics()["on_kpu"]
    diff = _max_abs_diff(got, expected)
    assert diff < TOLERANCE, f"{name} on {engine.name}: max abs diff {diff}"
    return model, report


@pytest.mark.parametrize("name", ["mobilenet_v2", "resnet18", "yolov8n"])
def test_model_lowers_whole_and_matches_eager(name):
    model, report = _run(name, SIZE, kpu.Engine.FAST)
    assert len(report.regions) == 1
    assert report.kpu_ops > 50
    graphs = _lowered_graphs(report)
    ops = Counter(_op_type(n) for g in graphs for n in g["nodes"])
    assert ops["conv2d"] == _count(model, nn.Conv2d)
    assert ops["batch_norm"] == _count(model, nn.BatchNorm2d)
    conv = next(n for g in graphs for n in g["nodes"] if _op_type(n) == "conv2d")
    attrs = conv["attributes"]
    assert len(attrs["padding"]["ints"]["values"]) == 4
    assert set(attrs) >= {"stride", "padding", "dilation", "groups"}
    if name == "resnet18":
        assert ops["max_pool2d"] == 1 and ops["mean"] == 1 and ops["linear"] == 1
    if name == "mobilenet_v2":
        assert ops["hardtanh"] == _count(model, nn.ReLU6)
    if name == "yolov8n":
        assert ops["upsample_nearest2d"] == 2 and ops["silu"] == ops["batch_norm"]
        assert ops["max_pool2d"] == 3 and ops["split"] >= 1 and ops["concat"] >= 1
        assert ops["softmax"] == 1
    # What ran: every batch norm folded into its conv, every conv on the array.
    ran = Counter(op["op_type"] for op in kpu.last_metrics()["op_metrics"])
    assert ran["batch_norm"] == 0 and ran["conv2d"] == ops["conv2d"]


def test_yolov8n_on_the_tile_interpreter():
    # The one model small enough to run tile by tile in a few seconds; it has split, concat, max
    # pools, nearest upsampling and softmax besides the convs.
    _run("yolov8n", SIZE, kpu.Engine.DFX_INTERPRETER, batch=1)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
