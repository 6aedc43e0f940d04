"""Runs one small torch function through torch.compile(backend="kpu") on the real libkpu and checks
it against eager PyTorch: everything on the KPU (no fallback), the registry ops the case expects
among those the program ran, and the values, on the fast engine or the DFX tile interpreter."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

import kpu

ENGINES = [kpu.Engine.FAST, kpu.Engine.DFX_INTERPRETER]

# float32 on both sides; only the order of sums differs (the KPU's GEMM and reductions against
# PyTorch's), which moves results by a few ulps of the output's magnitude.
TOLERANCE = 1e-5


@dataclass(frozen=True)
class Case:
    id: str
    fn: object  # a function or module of tensors
    shapes: list
    ops: set  # registry ops the KPU program must run
    # Pure data movement (and exact fp32 steps like x * 2): the result must be bit-identical.
    exact: bool = False
    # Inputs in [0.5, 1.5) instead of N(0, 1): divisors away from zero.
    positive: bool = False


def module(layer: nn.Module) -> nn.Module:
    """The layer in eval mode with seeded weights and, for batch norm, non-trivial statistics and
    affine parameters (the defaults, mean 0 and var 1, would hide a missing normalization)."""
    torch.manual_seed(0)
    layer = layer.eval()
    if isinstance(layer, nn.modules.batchnorm._BatchNorm):
        with torch.no_grad():
            layer.running_mean.uniform_(-1, 1)
            layer.running_var.uniform_(0.5, 2)
            if layer.affine:
                layer.weight.uniform_(0.5, 1.5)
                layer.bias.uniform_(-1, 1)
    return layer


def _flat(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_on_kpu(case: Case, engine: kpu.Engine) -> None:
    torch._dynamo.reset()
    gen = torch.Generator().manual_seed(1)
    inputs = [torch.rand(s, generator=gen) + 0.5 if case.positive else torch.randn(s, generator=gen)
              for s in case.shapes]
    # fallback "error" (the default): an op the KPU cannot take fails the compile.
    compiled = torch.compile(case.fn, backend="kpu", options={"engine": engine})
    with torch.no_grad():
        got, expected = _flat(compiled(*inputs)), _flat(case.fn(*inputs))
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    m = kpu.last_metrics()
    assert m["on_kpu"] and m["regions"] >= 1
    ran = {op["op_type"] for op in m["op_metrics"]}
    assert case.ops <= ran, f"expected {sorted(case.ops)} on the KPU, the program ran {sorted(ran)}"
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, e.shape)
        if case.exact:
            assert torch.equal(g, e), (g - e).abs().max().item()
        else:
            diff = (g - e).abs().max().item() if e.numel() else 0.0
            bound = TOLERANCE * max(1.0, e.abs().max().item() if e.numel() else 0.0)
            assert diff <= bound, f"max |KPU - eager| {diff:.3g} > {bound:.3g}"


def params(cases: list[Case]):
    """pytest parametrization of `cases` against both engines: (case, engine) with readable ids."""
    import pytest

    return pytest.mark.parametrize(
        "case, engine", [(c, e) for c in cases for e in ENGINES],
        ids=[f"{c.id}-{e.name}" for c in cases for e in ENGINES])
