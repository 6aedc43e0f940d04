"""The window ops end to end against torch: max/avg pooling (padding, dilation, ceil_mode,
count_include_pad, divisor_override), adaptive pools, nearest/bilinear upsampling and
conv_transpose2d, each as a kpu.Graph compiled to DFX and run on the fast kernels and on the
tile interpreter; and, through torch.compile, at the sizes decoders and detection necks use, where
a channel plane no longer fits L1 and the op must tile by rows, columns and channels."""

import sys

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import kpu

ENGINES = [kpu.Engine.FAST, kpu.Engine.DFX_INTERPRETER]


def run(graph, inputs, engine):
    rt = kpu.Runtime(kpu.compile_graph(graph))
    return rt.execute(inputs, int(kpu.SimulationMode.FUNCTIONAL), int(engine))


def data(shape, seed):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=np.float32)


def one_op(op, x, attrs, constants=()):
    g = kpu.Graph(op)
    g.add_input("x", list(x.shape), "float32")
    names = ["x"]
    for name, value in constants:
        g.add_constant(name, value)
        names.append(name)
    g.add_node(op, "n", names, ["y"], attrs)
    g.add_output("y")
    return g


# (input shape, kernel, stride, padding, dilation, ceil_mode)
MAX_POOLS = [((2, 4, 17, 16), 3, 2, 1, 1, False), ((1, 3, 14, 11), 3, 2, 1, 1, True),
             ((1, 3, 9, 13), 2, 2, 0, 1, True), ((1, 2, 20, 19), 5, 3, 2, 2, True)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", MAX_POOLS, ids=str)
def test_max_pool2d(case, engine):
    shape, k, s, p, d, ceil = case
    x = data(shape, 1)
    g = one_op("max_pool2d", x, {"kernel": [k, k], "stride": [s, s], "padding": [p, p],
                                 "dilation": [d, d], "ceil_mode": int(ceil)})
    want = F.max_pool2d(torch.from_numpy(x), k, s, p, d, ceil_mode=ceil).numpy()
    np.testing.assert_array_equal(run(g, {"x": x}, engine)["y"], want)


# (input shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_POOLS = [((2, 4, 17, 16), 3, 2, 1, False, True, None), ((1, 3, 14, 11), 3, 2, 1, False, False, None),
             ((1, 3, 14, 12), 3, 2, 1, True, True, None), ((1, 3, 14, 12), 3, 2, 1, True, False, None),
             ((1, 3, 15, 10), 3, 2, 1, True, False, 5), ((1, 3, 8, 8), 2, 2, 0, False, True, None)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", AVG_POOLS, ids=str)
def test_avg_pool2d(case, engine):
    shape, k, s, p, ceil, cip, div = case
    x = data(shape, 2)
    g = one_op("avg_pool2d", x, {"kernel": [k, k], "stride": [s, s], "padding": [p, p], "ceil_mode": int(ceil),
                                 "count_include_pad": int(cip), "divisor_override": div or 0})
    want = F.avg_pool2d(torch.from_numpy(x), k, s, p, ceil, cip, div).numpy()
    np.testing.assert_allclose(run(g, {"x": x}, engine)["y"], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", [((2, 5, 7, 9), (3, 4)), ((1, 8, 10, 10), (1, 1)), ((1, 3, 5, 6), (7, 8))], ids=str)
@pytest.mark.parametrize("op", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
def test_adaptive_pools(op, case, engine):
    shape, size = case
    x = data(shape, 3)
    g = one_op(op, x, {"output_size": list(size)})
    want = getattr(F, op)(torch.from_numpy(x), size).numpy()
    np.testing.assert_allclose(run(g, {"x": x}, engine)["y"], want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", [((2, 3, 5, 7), (10, 14)), ((1, 4, 5, 7), (8, 9)), ((1, 2, 6, 6), (3, 4))], ids=str)
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bilinear_align"])
def test_upsample(mode, case, engine):
    shape, size = case
    x = data(shape, 4)
    if mode == "nearest":
        g = one_op("upsample_nearest2d", x, {"output_size": list(size)})
        want = F.interpolate(torch.from_numpy(x), size=size, mode="nearest")
    else:
        align = mode == "bilinear_align"
        g = one_op("upsample_bilinear2d", x, {"output_size": list(size), "align_corners": int(align)})
        want = F.interpolate(torch.from_numpy(x), size=size, mode="bilinear", align_corners=align)
    np.testing.assert_allclose(run(g, {"x": x}, engine)["y"], want.numpy(), rtol=1e-5, atol=1e-6)


# (input shape, out channels, kernel, stride, padding, output_padding, dilation, groups, bias)
CONV_TRANSPOSES = [((2, 6, 7, 5), 4, 3, 2, 1, 1, 1, 1, True), ((1, 8, 6, 6), 8, 4, 2, 1, 0, 1, 1, False),
                   ((1, 6, 5, 6), 4, 3, 1, 2, 0, 2, 2, True), ((1, 5, 4, 3), 5, 2, 3, 0, 1, 1, 5, True)]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CONV_TRANSPOSES, ids=str)
def test_conv_transpose2d(case, engine):
    shape, oc, k, s, p, op, d, groups, has_bias = case
    x = data(shape, 5)
    w = data((shape[1], oc // groups, k, k), 6) * 0.3
    b = data((oc,), 7)
    constants = [("w", w)] + ([("b", b)] if has_bias else [])
    g = one_op("conv_transpose2d", x, {"stride": [s, s], "padding": [p, p], "output_padding": [op, op],
                                       "dilation": [d, d], "groups": groups}, constants)
    want = F.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b) if has_bias else None,
                              s, p, op, groups, d).numpy()
    np.testing.assert_allclose(run(g, {"x": x}, engine)["y"], want, rtol=1e-4, atol=1e-5)


class Fn(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


# On the default config (256 KB L1) each of these needs more than L1 for one plane (or, for the
# transposed conv, one group: 1.6 MB of input and 2 MB of weights), so each must tile.
REALISTIC = [
    ("conv_transpose2d 256->128 k4 s2 p1", lambda: nn.ConvTranspose2d(256, 128, 4, stride=2, padding=1), (1, 256, 40, 40)),
    ("bilinear x2", lambda: Fn(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear")), (1, 64, 80, 80)),
    ("bilinear 160 -> 320", lambda: Fn(lambda x: F.interpolate(x, size=(320, 320), mode="bilinear")), (1, 32, 160, 160)),
    ("bilinear 150 -> 333 align_corners",
     lambda: Fn(lambda x: F.interpolate(x, size=(333, 321), mode="bilinear", align_corners=True)), (1, 8, 150, 150)),
    ("nearest 100 -> 257", lambda: Fn(lambda x: F.interpolate(x, size=(257, 257), mode="nearest")), (1, 32, 100, 100)),
    ("adaptive_avg_pool2d 320 -> 7", lambda: nn.AdaptiveAvgPool2d(7), (1, 16, 320, 320)),
    ("adaptive_max_pool2d 320 -> 6x5", lambda: nn.AdaptiveMaxPool2d((6, 5)), (1, 16, 320, 320)),
    ("avg_pool2d k3 s2 p1 exclude pad", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 64, 320, 320)),
]


@pytest.mark.parametrize("make, shape", [c[1:] for c in REALISTIC], ids=[c[0] for c in REALISTIC])
def test_realistic_sizes_tile_and_match_eager(make, shape):
    torch.manual_seed(0)
    model = make().eval()
    x = torch.randn(shape)
    torch._dynamo.reset()
    compiled = torch.compile(model, backend="kpu")  # fallback "error": everything must lower
    with torch.no_grad():
        got, want = compiled(x), model(x)
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    assert got.shape == want.shape
    assert (got - want).abs().max().item() < 1e-4
    assert kpu.last_metrics()["total_cycles"] > 0
    torch._dynamo.reset()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
