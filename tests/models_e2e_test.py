"""ResNet-18, ResNet-50, MobileNetV2 (224x224) and a YOLOv8n-style detector (320x320), random
init, eval mode, through torch.compile(model, backend="kpu"): outputs within 1e-4 (max abs) of
eager at batch 1 and 4, every aten op on the KPU (the fallback policy is "torch" only so that a
regression shows the partition report instead of an exception), every conv fused with its batch
norm."""

import sys
import time
import warnings

import pytest
import torch
import torch.nn as nn

import kpu
from kpu.testing import models

TOLERANCE = 1e-4

# (model, input size, batches): batch 4 only where it keeps the suite within a few minutes.
CASES = [
    ("resnet18", 224, (1, 4)),
    ("resnet50", 224, (1, 4)),
    ("mobilenet_v2", 224, (1, 4)),
    ("yolov8n", 320, (1, 4)),
]


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _model(name):
    return models.eval_model(name)


def _max_abs_diff(got, expected) -> float:
    if isinstance(expected, torch.Tensor):
        return (got - expected).abs().max().item()
    return max(_max_abs_diff(g, e) for g, e in zip(got, expected))


@pytest.mark.parametrize("name,size,batches", CASES, ids=[c[0] for c in CASES])
def test_model_matches_eager_and_lowerable_ops_run_on_kpu(name, size, batches):
    model = _model(name)
    compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    for batch in batches:
        x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(batch))
        start = time.perf_counter()
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", kpu.KPUFallbackWarning)
            expected = model(x)
            got = compiled(x)
        seconds = time.perf_counter() - start
        diff = _max_abs_diff(got, expected)
        report = kpu.last_report()
        m = kpu.last_metrics()
        print(f"\n{name} batch {batch} {size}x{size}: max |KPU - eager| {diff:.2e}, "
              f"{m['total_cycles']} cycles, {m['regions']} KPU region(s), {seconds:.1f} s")
        print(report)
        assert diff <= TOLERANCE, f"{name} batch {batch}: max abs diff {diff}"
        assert m["on_kpu"]
        stuck = sorted({f"{r.op}: {r.reason}" for r in report.fallbacks})
        assert not stuck, f"{name}: ops ran in PyTorch: {stuck}"
        assert report.fully_on_kpu, f"{name}: not everything ran on the KPU"
        # Notes may say a region was re-split around an op libkpu registers but cannot compile;
        # such ops are fallbacks checked above, so a note names no lowered op either.
        assert not [n for n in report.notes if "SRAM" in n or "memory" in n.lower()], report.notes
        # Every conv ran fused: no batch norm or conv activation is left as an op of its own.
        op_types = [op.get("op_type") for op in m["op_metrics"]]
        assert "batch_norm" not in op_types and "conv2d" in op_types
        fused = [f for op in m["op_metrics"] for f in op.get("fused_with", [])]
        assert fused, "the program records its fusions"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s", "-p", "no:cacheprovider"]))
