"""What a user sees when the KPU cannot run something: seed 004's classes and messages."""

import logging
import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

import kpu

from graphs import mlp_graph, mlp_weights
from torch_helpers import cause


class SinNet(nn.Module):
    """torch.sin has no aten table entry, whatever ops libkpu has."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.sin(self.fc(x))


_cause = cause
SIN = "aten.sin.default (no aten table entry)"


@pytest.fixture(autouse=True)
def fresh_state():
    torch._dynamo.reset()
    kpu.set_fallback("error")
    yield
    kpu.set_fallback("error")


def test_unsupported_op_raises():
    torch.manual_seed(0)
    compiled = torch.compile(SinNet().eval(), backend="kpu")
    with pytest.raises(Exception) as info:
        with torch.no_grad():
            compiled(torch.randn(2, 8))
    # What the user catches is Dynamo's BackendCompilerFailed, which names our error in its
    # message; the UnsupportedOpError itself is behind it.
    err = _cause(info.value, kpu.UnsupportedOpError)
    assert err is not None, f"no UnsupportedOpError behind {type(info.value).__name__}"
    assert isinstance(err, kpu.CompilationError)
    assert str(err) == f"Unsupported operators: {SIN}"
    assert err.ops == [SIN]
    assert f"Unsupported operators: {SIN}" in str(info.value)


@pytest.mark.parametrize("how", ["set_fallback", "backend_option"])
def test_torch_fallback_is_reported(how, caplog):
    torch.manual_seed(0)
    model = SinNet().eval()
    if how == "set_fallback":
        kpu.set_fallback("torch")
        compiled = torch.compile(model, backend="kpu")
    else:
        compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
    x = torch.randn(2, 8)
    with caplog.at_level(logging.WARNING, logger="kpu"):
        with pytest.warns(kpu.KPUFallbackWarning, match="aten.sin.default"):
            with torch.no_grad():
                got = compiled(x)
    assert "aten.sin.default x1 (no aten table entry)" in caplog.text
    with torch.no_grad():
        # The linear ran on the KPU, the sin in PyTorch.
        assert (got - model(x)).abs().max().item() < 1e-5
    assert kpu.last_report().torch_ops == 1


def test_compiler_reports_unknown_graph_ops():
    # The C registry's own check, for graphs built without the torch lowering.
    g = kpu.Graph("unknown")
    g.add_input("x", [1, 4], "float32")
    g.add_node("InstanceNorm", "a", ["x"], ["y"])
    g.add_node("GroupNorm", "b", ["y"], ["z"])
    g.add_output("z")
    with pytest.raises(kpu.UnsupportedOpError) as info:
        kpu.compile_graph(g)
    assert str(info.value) == "Unsupported operators: InstanceNorm, GroupNorm"
    assert info.value.ops == ["InstanceNorm", "GroupNorm"]


def test_wrong_input_shape():
    runtime = kpu.Runtime(kpu.compile_graph(mlp_graph(4, mlp_weights())))
    with pytest.raises(kpu.ShapeMismatchError) as info:
        runtime.execute({"x": np.zeros((2, 784), np.float32)})
    assert str(info.value) == "Input shape mismatch: expected (4,784), got (2,784)"
    assert info.value.expected == (4, 784) and info.value.got == (2, 784)
    assert isinstance(info.value, ValueError)


def test_truncated_program():
    data = kpu.compile_graph(mlp_graph(1, mlp_weights())).serialize()
    for cut in (0, 3, 16, len(data) // 2, len(data) - 1):
        with pytest.raises(kpu.InvalidProgramError) as info:
            kpu.Program.deserialize(data[:cut])
        assert str(info.value), "the error says what is wrong"


def test_memory_error_keeps_builtin():
    import builtins

    assert kpu.errors.MemoryError is kpu.KPUMemoryError
    namespace = {}
    exec("from kpu import *\nfrom kpu.errors import *", namespace)
    assert "MemoryError" not in namespace
    assert builtins.MemoryError is not kpu.KPUMemoryError
    err = kpu.errors.from_status(4, "KPU_ERROR_MEMORY_EXCEEDED",
                                 "SRAM memory exceeded: 512KB required, 256KB available")
    assert (err.required, err.available, err.memory_type) == (512 * 1024, 256 * 1024, "SRAM")

if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
