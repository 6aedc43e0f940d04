"""A model that Dynamo splits at graph breaks runs as several KPU graphs in one call:
kpu.last_metrics() covers all of them, and the next call starts again from zero."""

import sys

import pytest
import torch
import torch.nn as nn

import kpu

# float32 on both sides; only accumulation order differs (see test_torch_compile.py).
TOLERANCE = 1e-5


def _helper(fc, x):
    x = torch.relu(fc(x))
    print("graph break inside a helper", file=sys.stderr)  # Dynamo cannot trace print
    return x * 0.5


class Broken(nn.Module):
    """Three linears, a break after the first and one inside a helper: four Dynamo graphs."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(16, 32), nn.Linear(32, 24), nn.Linear(24, 8)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        print("graph break", file=sys.stderr)
        x = _helper(self.fc2, x)
        return torch.softmax(self.fc3(x), -1)


class Whole(nn.Module):
    """The same computation with no break: one graph."""

    def __init__(self, broken):
        super().__init__()
        self.b = broken

    def forward(self, x):
        b = self.b
        x = torch.relu(b.fc2(torch.relu(b.fc1(x)))) * 0.5
        return torch.softmax(b.fc3(x), -1)


@pytest.fixture(autouse=True)
def fresh_state():
    torch._dynamo.reset()


def _call(model, x):
    with torch.no_grad():
        return torch.compile(model, backend="kpu")(x), kpu.last_metrics()


def test_metrics_cover_every_graph_of_a_call():
    torch.manual_seed(0)
    broken = Broken().eval()
    x = torch.randn(4, 16)
    compiled = torch.compile(broken, backend="kpu")
    with torch.no_grad():
        got = compiled(x)
        first = kpu.last_metrics()
        again = compiled(x)
        second = kpu.last_metrics()
        want = broken(x)
    assert (got - want).abs().max().item() <= TOLERANCE
    assert (again - want).abs().max().item() <= TOLERANCE
    macs = 4 * (16 * 32 + 32 * 24 + 24 * 8)
    # Every linear's MACs, from the graphs before, between and after the breaks.
    assert first["on_kpu"] and first["total_macs"] >= macs
    assert first["regions"] >= 3
    # The second call starts from zero: the same numbers, not twice them.
    assert second["total_macs"] == first["total_macs"]
    assert second["total_cycles"] == first["total_cycles"]
    assert second["regions"] == first["regions"]

    # The same model without breaks does the same MACs in one graph.
    torch._dynamo.reset()
    _, whole = _call(Whole(broken).eval(), x)
    assert whole["regions"] == 1
    assert first["total_macs"] == whole["total_macs"]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
