"""The seed-000 MNIST MLP, PyTorch eager against the simulated KPU, in one process.

    bazel run //benchmarks:mlp_vs_torch [-- --reps=200 --batches 1 16]

Every case runs the same weights on the same input on this machine in this run, so the ratios
to eager are comparable while the absolute times are only this machine's. Wall times are the
host's cost of producing the outputs; the KPU columns are what the simulated hardware would
take, a different quantity. Prints Markdown; exits non-zero if any case's outputs disagree
with eager (a fast wrong answer is not a result).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import graphs  # bindings/python/tests/graphs.py: the MLP the tests build
from bench_util import cpu_model, median_seconds
import kpu

# Float32 on both sides, summed in different orders: softmax outputs move by a few ulps.
TOLERANCE = 1e-5
SIZES = graphs.MLP_SIZES


def mnist_mlp() -> nn.Module:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                          nn.Linear(64, 10), nn.Softmax(dim=-1))
    return model.eval()


def kpu_graph(model: nn.Module, batch: int) -> kpu.Graph:
    """The model rebuilt with kpu.Graph from its own parameters, so case (c) needs no torch."""
    layers = [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in model if isinstance(m, nn.Linear)]
    return graphs.mlp_graph(batch, layers)


def median_us(fn, reps: int, warmup: int) -> float:
    return median_seconds(fn, reps, warmup) * 1e6


def max_diff(got, expected: torch.Tensor) -> float:
    got = got.numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    return float(np.abs(got - expected.numpy()).max())


def run_batch(model, batch: int, args) -> tuple[list[dict], dict]:
    x = torch.randn(batch, SIZES[0], generator=torch.Generator().manual_seed(batch))
    x_np = x.numpy()
    rows = []
    compile_times = {}
    with torch.no_grad():
        expected = model(x)

        eager_us = median_us(lambda: model(x), args.reps, args.warmup)
        rows.append({"case": "PyTorch eager", "us": eager_us, "metrics": None, "diff": 0.0})

        # A fresh Dynamo cache per batch, so the first call is a real compile for this shape.
        torch._dynamo.reset()
        compiled = torch.compile(model, backend="kpu")
        start = time.perf_counter()
        got = compiled(x)
        compile_times["torch.compile first call (ms)"] = (time.perf_counter() - start) * 1e3
        diff = max_diff(got, expected)
        us = median_us(lambda: compiled(x), args.reps, args.warmup)
        rows.append({"case": 'torch.compile(backend="kpu")', "us": us,
                     "metrics": kpu.last_metrics(), "diff": diff})

    start = time.perf_counter()
    program = kpu.compile_graph(kpu_graph(model, batch))
    compile_times["kpu.compile_graph (ms)"] = (time.perf_counter() - start) * 1e3
    runtime = kpu.Runtime(program)
    feeds = {"x": x_np}
    functional = int(kpu.SimulationMode.FUNCTIONAL)
    for case, engine, reps, warmup in [
            ("KPU runtime, FAST engine", kpu.Engine.FAST, args.reps, args.warmup),
            ("KPU runtime, DFX interpreter", kpu.Engine.DFX_INTERPRETER, args.interp_reps, 1)]:
        out = runtime.execute(feeds, functional, int(engine))
        diff = max_diff(out["probs"], expected)
        us = median_us(lambda: runtime.execute(feeds, functional, int(engine)), reps, warmup)
        rows.append({"case": case, "us": us, "metrics": runtime.metrics(), "diff": diff})

    for row in rows:
        row["batch"] = batch
        row["ratio"] = row["us"] / eager_us
    return rows, compile_times


def print_header(args) -> None:
    print("# MNIST MLP (784-128-64-10): PyTorch eager vs the simulated KPU\n")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical CPUs visible")
    print(f"- torch {torch.__version__} with {torch.get_num_threads()} threads (default), "
          f"numpy {np.__version__}, Python {platform.python_version()}")
    print(f"- kpu {kpu.version()}, config {kpu.DEFAULT_PRESET}, FUNCTIONAL mode")
    print(f"- wall time: median of {args.reps} calls after {args.warmup} warm-up calls "
          f"(DFX interpreter: {args.interp_reps} after 1)\n")


def print_tables(rows: list[dict], compile_times: dict[int, dict]) -> None:
    print("| case | batch | median wall (us) | vs eager | KPU cycles | KPU time (us) "
          "| KPU energy (uJ) | KPU util | max abs diff |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        m = r["metrics"]
        sim = ("-", "-", "-", "-") if m is None else (
            f"{m['total_cycles']:,}", f"{m['total_time_us']:.2f}",
            f"{m['total_energy_uj']:.3f}", f"{m['compute_utilization']:.1%}")
        print(f"| {r['case']} | {r['batch']} | {r['us']:,.1f} | {r['ratio']:.2f}x | "
              + " | ".join(sim) + f" | {r['diff']:.1e} |")
    print()
    columns = list(next(iter(compile_times.values())))
    print("| batch | " + " | ".join(columns) + " |")
    print("|---:|" + "---:|" * len(columns))
    for batch, times in compile_times.items():
        print(f"| {batch} | " + " | ".join(f"{times[c]:,.1f}" for c in columns) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=None, help="untimed calls first "
                        "(default: reps / 10, at least 1)")
    parser.add_argument("--interp-reps", type=int, default=None, help="timed calls of the DFX "
                        "interpreter, which is far slower (default: reps / 4, at least 2)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = max(1, args.reps // 10)
    if args.interp_reps is None:
        args.interp_reps = max(2, args.reps // 4)

    print_header(args)
    model = mnist_mlp()
    rows, compile_times = [], {}
    for batch in args.batches:
        batch_rows, compile_times[batch] = run_batch(model, batch, args)
        rows += batch_rows
    print_tables(rows, compile_times)

    wrong = [r for r in rows if not r["diff"] < TOLERANCE]
    for r in wrong:
        print(f"error: {r['case']} at batch {r['batch']} differs from eager by {r['diff']:.3g} "
              f"(tolerance {TOLERANCE})", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
