"""Graphs the tests build with the kpu.Graph builder, and their numpy references."""

from __future__ import annotations

import numpy as np

import kpu

MLP_SIZES = (784, 128, 64, 10)


def mlp_weights(seed: int = 0, sizes=MLP_SIZES) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W[N,K], b[N]), ...] scaled like torch's default Linear init."""
    rng = np.random.default_rng(seed)
    layers = []
    for k, n in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(k)
        layers.append((rng.uniform(-bound, bound, (n, k)).astype(np.float32),
                       rng.uniform(-bound, bound, (n,)).astype(np.float32)))
    return layers


def mlp_graph(batch: int, layers) -> kpu.Graph:
    """x[batch, K] -> linear/relu ... linear -> softmax(-1), the seed-000 MNIST MLP."""
    g = kpu.Graph("mlp")
    g.add_input("x", [batch, layers[0][0].shape[1]], "float32")
    h = "x"
    for i, (w, b) in enumerate(layers):
        g.add_constant(f"w{i}", w)
        g.add_constant(f"b{i}", b)
        g.add_node("linear", f"fc{i}", [h, f"w{i}", f"b{i}"], [f"fc{i}"])
        h = f"fc{i}"
        if i + 1 < len(layers):
            g.add_node("relu", f"relu{i}", [h], [f"relu{i}"])
            h = f"relu{i}"
    g.add_node("softmax", "probs", [h], ["probs"], {"axis": -1})
    g.add_output("probs")
    return g


def mlp_reference(x: np.ndarray, layers) -> np.ndarray:
    """The MLP in float64, the yardstick for float32 results."""
    h = x.astype(np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ w.astype(np.float64).T + b
        if i + 1 < len(layers):
            h = np.maximum(h, 0.0)
    h = np.exp(h - h.max(axis=-1, keepdims=True))
    return h / h.sum(axis=-1, keepdims=True)
