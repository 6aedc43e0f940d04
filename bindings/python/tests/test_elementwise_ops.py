"""The elementwise family end to end: a kpu.Graph per op, compiled to DFX (EmitTiled), run on the
fast kernels and on the tile interpreter, against torch."""

import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kpu

UNARY = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "silu": F.silu,
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
}
# Ops with attributes: (registry op, attributes, torch equivalent)
WITH_ATTRIBUTES = [
    ("hardtanh", {"min_val": 0.0, "max_val": 6.0}, F.relu6),
    ("hardtanh", {}, F.hardtanh),
    ("leaky_relu", {"negative_slope": 0.2}, lambda x: F.leaky_relu(x, 0.2)),
    ("leaky_relu", {}, F.leaky_relu),
    ("gelu", {}, F.gelu),
    ("gelu", {"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
    ("clamp", {"min": -1.5}, lambda x: torch.clamp(x, min=-1.5)),
    ("clamp", {"min": -1.0, "max": 2.5}, lambda x: torch.clamp(x, -1.0, 2.5)),
]
BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
# (a, b) shapes: equal, row and column broadcast, both sides broadcasting, a rank-0 scalar.
BINARY_SHAPES = [((4, 33), (4, 33)), ((2, 3, 40), (40,)), ((2, 3, 40), (3, 1)),
                 ((5, 1, 7), (1, 6, 1)), ((6, 9), ())]
ENGINES = [kpu.Engine.FAST, kpu.Engine.DFX_INTERPRETER]


def run(graph, inputs, engine):
    rt = kpu.Runtime(kpu.compile_graph(graph))
    return rt.execute(inputs, int(kpu.SimulationMode.FUNCTIONAL), int(engine))


def data(shape, seed):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * 4, dtype=np.float32)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary(op, engine):
    x = data((3, 50, 7), 1)
    g = kpu.Graph(op)
    g.add_input("x", list(x.shape), "float32")
    g.add_node(op, "n", ["x"], ["y"])
    g.add_output("y")
    y = run(g, {"x": x}, engine)["y"]
    np.testing.assert_allclose(y, UNARY[op](torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", WITH_ATTRIBUTES, ids=lambda c: f"{c[0]}{c[1]}")
def test_unary_with_attributes(case, engine):
    op, attrs, ref = case
    x = data((3, 50, 7), 5)
    g = kpu.Graph(op)
    g.add_input("x", list(x.shape), "float32")
    g.add_node(op, "n", ["x"], ["y"], attrs)
    g.add_output("y")
    y = run(g, {"x": x}, engine)["y"]
    np.testing.assert_allclose(y, ref(torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_broadcasting(op, shapes, engine):
    a, b = data(shapes[0], 2), data(shapes[1], 3)
    g = kpu.Graph(op)
    g.add_input("a", list(a.shape), "float32")
    g.add_constant("b", b)
    g.add_node(op, "n", ["a", "b"], ["y"])
    g.add_output("y")
    y = run(g, {"a": a}, engine)["y"]
    np.testing.assert_allclose(y, BINARY[op](torch.from_numpy(a), torch.from_numpy(b)).numpy(),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_family_on_any_axis(op, axis, engine):
    x = data((6, 20, 9), 4)
    g = kpu.Graph(op)
    g.add_input("x", list(x.shape), "float32")
    g.add_node(op, "n", ["x"], ["y"], {"axis": axis})
    g.add_output("y")
    y = run(g, {"x": x}, engine)["y"]
    want = getattr(torch, op)(torch.from_numpy(x), dim=axis).numpy()
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
