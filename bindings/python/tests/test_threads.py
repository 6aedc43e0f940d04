"""Threads (issue 6, point 5): one compiled program shared by 8 Python threads, each with its own
Runtime, many executions each, outputs and metrics identical to a single-threaded run; the GIL is
released during execute and compile, so other Python threads run meanwhile; a Graph or Runtime
reached from two threads at once is safe (its calls are serialized)."""

import threading
import time

import numpy as np

import kpu
from kpu._native import lib

from graphs import mlp_graph, mlp_weights

THREADS = 8


def run_threads(target, n=THREADS):
    """Runs target(i) on n threads started together; re-raises the first failure."""
    errors = []
    start = threading.Barrier(n)

    def body(i):
        try:
            start.wait()
            target(i)
        except BaseException as e:  # noqa: BLE001 - reported below with its thread
            errors.append((i, e))

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        i, e = errors[0]
        raise AssertionError(f"thread {i} failed: {e!r}") from e


def inputs_for(batch, k, count):
    rng = np.random.default_rng(7)
    return [rng.standard_normal((batch, k), dtype=np.float32) for _ in range(count)]


def test_shared_program_one_runtime_per_thread_identical_results():
    layers = mlp_weights(3)
    program = lib.compile(mlp_graph(4, layers))
    xs = inputs_for(4, 784, 5)
    want = []
    for x in xs:
        rt = lib.Runtime(program)
        want.append((rt.execute({"x": x})["probs"], rt.metrics()))
    assert not np.array_equal(want[0][0], want[1][0]), "inputs must differ for the check to mean much"
    runs = 100

    def work(t):
        rt = lib.Runtime(program)
        for r in range(runs):
            i = (r + t) % len(xs)
            got = rt.execute({"x": xs[i]})["probs"]
            assert got.tobytes() == want[i][0].tobytes(), f"run {r}: outputs differ"
            assert rt.metrics() == want[i][1], f"run {r}: metrics differ"

    run_threads(work)


def test_interpreter_engine_from_threads():
    layers = mlp_weights(4, (24, 16, 4))
    program = lib.compile(mlp_graph(2, layers))
    x = inputs_for(2, 24, 1)[0]
    want = lib.Runtime(program).execute({"x": x}, engine=lib.ENGINE_DFX_INTERPRETER)["probs"]

    def work(_):
        rt = lib.Runtime(program)
        for _ in range(30):
            got = rt.execute({"x": x}, engine=lib.ENGINE_DFX_INTERPRETER)["probs"]
            assert got.tobytes() == want.tobytes()

    run_threads(work)


def longest_stall_during(call):
    """Runs call() on this thread while another Python thread ticks as fast as it can. Returns
    (seconds call() took, the longest gap between two ticks while it ran). A call that holds the
    GIL throughout stops the ticks for its whole duration."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=ticker)
    t.start()
    while not ticks:  # the ticker is running before the call starts
        time.sleep(0.001)
    begin = time.perf_counter()
    call()
    end = time.perf_counter()
    stop.set()
    t.join()
    inside = [begin] + [x for x in ticks if begin <= x <= end] + [end]
    return end - begin, max(b - a for a, b in zip(inside, inside[1:]))


def big_linear_graph(n):
    g = kpu.Graph("big")
    g.add_input("x", [n, n], "float32")
    g.add_constant("w", np.full((n, n), 0.001, dtype=np.float32))
    g.add_node("linear", "fc", ["x", "w"], ["y"])
    g.add_output("y")
    return g


def test_execute_releases_the_gil():
    # Slow on purpose: the DFX interpreter moves every tile of a 1024x1024x1024 matmul (about
    # 1.5 s on an idle 2-core machine).
    n = 1024
    program = lib.compile(big_linear_graph(n))
    rt = lib.Runtime(program)
    x = np.ones((n, n), dtype=np.float32)
    took, stall = longest_stall_during(lambda: rt.execute({"x": x}, engine=lib.ENGINE_DFX_INTERPRETER))
    assert took > 0.2, f"the execute took {took:.3f} s, too short to tell"
    # Holding the GIL would stall the ticker for the whole call; Python's switch interval is 5 ms.
    assert stall < took / 4, f"ticker stalled {stall:.3f} s of a {took:.3f} s execute"


def test_compile_releases_the_gil():
    layers = mlp_weights(5, (784,) + (512,) * 12 + (10,))
    graph = mlp_graph(64, layers)
    took, stall = longest_stall_during(lambda: lib.compile(graph))
    assert took > 0.1, f"the compile took {took:.3f} s, too short to tell"
    assert stall < took / 4, f"ticker stalled {stall:.3f} s of a {took:.3f} s compile"


def test_one_runtime_shared_by_threads_serializes_its_calls():
    # kpu.h allows a runtime one thread at a time; the binding's lock makes sharing one safe.
    layers = mlp_weights(6)
    program = lib.compile(mlp_graph(4, layers))
    rt = lib.Runtime(program)
    xs = inputs_for(4, 784, THREADS)
    want = [lib.Runtime(program).execute({"x": x})["probs"] for x in xs]

    def work(t):
        for _ in range(30):
            assert rt.execute({"x": xs[t]})["probs"].tobytes() == want[t].tobytes()

    run_threads(work)


def test_graph_changed_while_another_thread_compiles_it():
    # compile() reads the graph without the GIL while another thread adds to it: the lock gives
    # each compile a consistent graph.
    graph = mlp_graph(4, mlp_weights(7))
    programs = []

    def work(t):
        for i in range(10):
            if t == 0:
                programs.append(lib.compile(graph))
            else:
                graph.add_constant(f"unused_{t}_{i}", np.zeros((64, 64), dtype=np.float32))

    run_threads(work, 4)
    assert len(programs) == 10


if __name__ == "__main__":
    import sys

    import pytest

    sys.exit(pytest.main([__file__, "-v"]))
