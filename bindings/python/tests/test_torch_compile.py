"""torch.compile(model, backend="kpu") on seed 000's MNIST MLP, against eager PyTorch. The MLP
arrives as aten permute/addmm/relu/_softmax and runs entirely on the KPU."""

import sys

import numpy as np
import pytest
import torch
import torch.nn as nn

import kpu

# Both sides compute in float32; the KPU accumulates in a different order than PyTorch's GEMM,
# which moves softmax outputs (all in [0, 1]) by a few ulps, far below this.
TOLERANCE = 1e-5

MLP_MACS_PER_ROW = 784 * 128 + 128 * 64 + 64 * 10


def mnist_mlp() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10), nn.Softmax(dim=-1))
    return model.eval()


@pytest.fixture(scope="module")
def models():
    torch._dynamo.reset()
    model = mnist_mlp()
    return model, torch.compile(model, backend="kpu")


@pytest.mark.parametrize("batch", [1, 16])
def test_matches_eager(models, batch):
    model, compiled = models
    x = torch.randn(batch, 784, generator=torch.Generator().manual_seed(batch))
    with torch.no_grad():
        expected = model(x)
        got = compiled(x)
    assert got.shape == expected.shape == (batch, 10)
    assert got.dtype == torch.float32
    assert (got - expected).abs().max().item() < TOLERANCE

    m = kpu.last_metrics()
    assert m is not None and m["on_kpu"] and m["regions"] == 1
    # This call's metrics, not an earlier batch's: the MAC count scales with the batch.
    assert m["total_macs"] >= batch * MLP_MACS_PER_ROW
    assert m["total_cycles"] > 0
    assert m["total_energy_uj"] > 0
    assert 0 < m["compute_utilization"] <= 1
    assert m["op_metrics"], "the per-op list of the region"


def test_runs_entirely_on_the_kpu(models):
    model, compiled = models
    with torch.no_grad():
        compiled(torch.randn(3, 784))
    report = kpu.last_report()
    assert report.fully_on_kpu, str(report)
    ops = {r.op for r in report.records}
    assert {"aten.addmm.default", "aten.relu.default", "aten._softmax.default"} <= ops
    assert report.kpu_percent == 100.0 and len(report.regions) == 1
    # The Linear weights' permutes are folded into constants at compile time.
    assert report.folded_ops == 3 and report.kpu_ops == 6


def test_parameters_are_constants(models):
    _, compiled = models
    with torch.no_grad():
        compiled(torch.randn(2, 784))
    (region,) = kpu.last_report().region_modules.values()
    programs = list(region._programs.values())
    assert programs
    for program in programs:
        # Only x is a graph input; the six weights and biases are constants of the program.
        assert len(program.lowered.inputs) == 1
        assert len(program.runtime.inputs()) == 1


def test_repeated_calls_reuse_the_program(models):
    _, compiled = models
    x = torch.randn(16, 784)
    with torch.no_grad():
        first = compiled(x)
        second = compiled(x)
    assert torch.equal(first, second)


def test_in_place_weight_update_rebuilds():
    torch._dynamo.reset()
    model = mnist_mlp()
    compiled = torch.compile(model, backend="kpu")
    x = torch.randn(4, 784)
    with torch.no_grad():
        compiled(x)
        model[4].weight.mul_(3.0)
        assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE


def test_cycle_accurate_backend_same_values():
    torch._dynamo.reset()
    model = mnist_mlp()
    compiled = torch.compile(model, backend="kpu_cycle_accurate")
    x = torch.randn(4, 784)
    with torch.no_grad():
        try:
            got = compiled(x)
        except kpu.UnimplementedError as e:
            pytest.skip(f"libkpu does not provide this mode yet: {e}")
        assert (got - model(x)).abs().max().item() < TOLERANCE
    assert kpu.last_metrics()["total_cycles"] > 0


def _graph_from_model(model: nn.Module, batch: int) -> kpu.Graph:
    """The MLP written with the graph builder from the module's own weights."""
    g = kpu.Graph("mnist_mlp")
    g.add_input("x", [batch, 784], "float32")
    h = "x"
    for i, layer in enumerate(model):
        if isinstance(layer, nn.Linear):
            g.add_constant(f"w{i}", layer.weight.detach().numpy())
            g.add_constant(f"b{i}", layer.bias.detach().numpy())
            g.add_node("linear", f"l{i}", [h, f"w{i}", f"b{i}"], [f"l{i}"])
        elif isinstance(layer, nn.ReLU):
            g.add_node("relu", f"l{i}", [h], [f"l{i}"])
        else:
            g.add_node("softmax", f"l{i}", [h], [f"l{i}"], {"axis": layer.dim})
        h = f"l{i}"
    g.add_output(h)
    return g


def test_dfx_interpreter_matches_fast_engine():
    # ARCHITECTURE.md decision 2: running the DFX program tile by tile gives the same values.
    model = mnist_mlp()
    batch = 16
    x = torch.randn(batch, 784, generator=torch.Generator().manual_seed(7))
    runtime = kpu.Runtime(kpu.compile_graph(_graph_from_model(model, batch)))
    feeds = {"x": x.numpy()}
    fast = runtime.execute(feeds, kpu.SimulationMode.FUNCTIONAL, kpu.Engine.FAST)
    dfx = runtime.execute(feeds, kpu.SimulationMode.FUNCTIONAL, kpu.Engine.DFX_INTERPRETER)
    reordered = runtime.execute(feeds, kpu.SimulationMode.FUNCTIONAL,
                                kpu.Engine.DFX_INTERPRETER_REORDERED)
    (name,) = fast
    with torch.no_grad():
        expected = model(x).numpy()
    assert np.abs(dfx[name] - fast[name]).max() < TOLERANCE
    # Another dependency-respecting order computes every tile from the same bytes.
    np.testing.assert_array_equal(reordered[name], dfx[name])
    assert np.abs(dfx[name] - expected).max() < TOLERANCE


def test_backend_options_select_engine():
    torch._dynamo.reset()
    model = mnist_mlp()
    compiled = torch.compile(model, backend="kpu", options={"engine": "dfx_interpreter"})
    x = torch.randn(2, 784)
    with torch.no_grad():
        assert (compiled(x) - model(x)).abs().max().item() < TOLERANCE


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
