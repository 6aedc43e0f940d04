"""options={"residency": ...}: a small CNN through torch.compile(backend="kpu") keeps its
activations on chip by default, which changes the DRAM traffic and the peak SRAM per level in
kpu.last_metrics(), never the outputs."""

import sys

import pytest
import torch
import torch.nn as nn

import kpu


def small_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(32, 10)).eval()


def run(model, x, residency):
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="kpu", options={"residency": residency})
    with torch.no_grad():
        y = compiled(x)
    return y, kpu.last_metrics()


def test_residency_cuts_dram_bytes_not_values():
    model = small_cnn()
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x)
    on, m_on = run(model, x, True)
    off, m_off = run(model, x, False)
    assert torch.equal(on, off)
    assert (on - expected).abs().max().item() <= 1e-4
    dram = lambda m: m["dram_reads_bytes"] + m["dram_writes_bytes"]
    # The first conv's output alone (2 x 16 x 32 x 32 floats) is written and read back without it.
    assert dram(m_on) + 2 * 2 * 16 * 32 * 32 * 4 <= dram(m_off)
    assert m_on["peak_l1_bytes"] > 0
    assert m_on["peak_l2_bytes"] + m_on["peak_l3_bytes"] > m_off["peak_l2_bytes"] + m_off["peak_l3_bytes"]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
