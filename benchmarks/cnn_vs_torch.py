"""ResNet-18 and MobileNetV2 (batch 1, 224x224), PyTorch eager against the simulated KPU, in one
process; the cost model's time to estimate ResNet-50 (its conv layers through the SCALE-Sim
setting, and its whole compiled program in the analytical mode); ResNet-18's per-layer table.

    bazel run //benchmarks:cnn_vs_torch [-- --reps=10]

Cases, each on the same weights and input, same thread count, median wall time per call:
  - PyTorch eager;
  - torch.compile(model, backend="kpu", options={"fallback": "torch"}): the whole model call,
    Dynamo guards, tensor conversion and any op libkpu cannot lower yet (run in PyTorch) included;
  - KPU runtime, FAST engine: the compiled KPU programs of that model call executed directly
    (kpu.Runtime.execute on the inputs each region received), so the host-side cost of the
    simulated hardware alone. Ops in PyTorch are not in this number; the report lists them.
Exits non-zero if an output differs from eager by more than 1e-4.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import warnings

import torch
import torch.nn as nn

from bench_util import cpu_model, median_seconds
import kpu
from kpu import region as kpu_region
from kpu.testing import models

TOLERANCE = 1e-4
_RUNTIMES: list["_RecordingRuntime"] = []


class _RecordingRuntime:
    """kpu.Runtime that remembers its last inputs, so a region's program can be re-run alone."""

    def __init__(self, *args, **kwargs):
        self._rt = kpu.Runtime(*args, **kwargs)
        self.program = args[0] if args else kwargs["program"]
        self.last_call = None
        _RUNTIMES.append(self)

    def execute(self, feeds, *args):
        self.last_call = ({k: v.copy() for k, v in feeds.items()}, args)
        return self._rt.execute(feeds, *args)

    def __getattr__(self, name):
        return getattr(self._rt, name)


def median_ms(fn, reps: int, warmup: int = 1) -> float:
    return median_seconds(fn, reps, warmup) * 1e3


def model_for(name: str) -> nn.Module:
    return models.eval_model(name)


def compare(name: str, reps: int) -> tuple[list[dict], dict, object]:
    model = model_for(name)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    rows = []
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", kpu.KPUFallbackWarning)
        expected = model(x)
        eager = median_ms(lambda: model(x), reps)
        rows.append({"case": "PyTorch eager", "ms": eager, "diff": 0.0, "metrics": None})

        torch._dynamo.reset()
        _RUNTIMES.clear()
        compiled = torch.compile(model, backend="kpu", options={"fallback": "torch"})
        start = time.perf_counter()
        got = compiled(x)
        first_ms = (time.perf_counter() - start) * 1e3
        diff = (got - expected).abs().max().item()
        ms = median_ms(lambda: compiled(x), reps)
        metrics, report = kpu.last_metrics(), kpu.last_report()
        rows.append({"case": 'torch.compile(backend="kpu")', "ms": ms, "diff": diff, "metrics": metrics})

        calls = [(rt, rt.last_call) for rt in _RUNTIMES if rt.last_call is not None]

        def run_programs():
            for rt, (feeds, args) in calls:
                rt.execute(feeds, *args)

        ms = median_ms(run_programs, reps)
        rows.append({"case": "KPU runtime, FAST engine (KPU regions)", "ms": ms, "diff": diff,
                     "metrics": metrics})
    for r in rows:
        r["ratio"] = r["ms"] / eager
    return rows, {"first call incl. compile (ms)": first_ms, "KPU programs": len(calls)}, report


def conv_topology(model: nn.Module, size: int) -> str:
    """The model's convolutions as a SCALE-Sim topology (IFMAP sizes include the padding, as
    SCALE-Sim models none); grouped convolutions are left out (SCALE-Sim has no groups)."""
    rows, hooks = [], []
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d) and m.groups == 1:
            def hook(mod, inputs, _out, name=name):
                _, c, h, w = inputs[0].shape
                ph, pw = mod.padding
                rows.append(f"{name}, {h + 2 * ph}, {w + 2 * pw}, {mod.kernel_size[0]}, "
                            f"{mod.kernel_size[1]}, {c}, {mod.out_channels}, {mod.stride[0]},")
            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    header = ("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
              "Num Filter, Strides,")
    return "\n".join([header] + rows) + "\n"


def runfile(package: str, name: str) -> pathlib.Path | None:
    """A binary this script declares as data, under bazel run or from a built tree."""
    for base in (os.environ.get("RUNFILES_DIR"), os.environ.get("TEST_SRCDIR"),
                 str(pathlib.Path(sys.argv[0]).resolve()) + ".runfiles"):
        if base:
            p = pathlib.Path(base) / "kpu" / package / name
            if p.exists():
                return p
    # Under `bazel run` this script sits in the runfiles tree beside the tool (no symlink resolving).
    for p in (pathlib.Path(__file__).absolute().parents[1] / package / name,
              pathlib.Path("bazel-bin") / package / name):
        if p.exists():
            return p
    return None


def kernel_compiler() -> pathlib.Path | None:
    return runfile("tools", "kpu-kernel-compiler")


def analytical_estimate_speed(name: str) -> tuple[dict, float]:
    """The model compiled through torch.compile, then the analytical mode's estimate of its KPU
    program timed alone (benchmarks/estimate_speed.cc), and the compile's wall seconds."""
    tool = runfile("benchmarks", "estimate_speed")
    if tool is None:
        raise RuntimeError("estimate_speed not found (bazel build //benchmarks:estimate_speed)")
    model = model_for(name)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    torch._dynamo.reset()
    _RUNTIMES.clear()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", kpu.KPUFallbackWarning)
        start = time.perf_counter()
        torch.compile(model, backend="kpu", options={"fallback": "torch"})(x)
        compile_seconds = time.perf_counter() - start
    if len(_RUNTIMES) != 1:
        raise RuntimeError(f"{name}: expected one KPU program, got {len(_RUNTIMES)}")
    with tempfile.NamedTemporaryFile(suffix=".kpu", delete=False) as f:
        f.write(_RUNTIMES[0].program.serialize())
    try:
        out = subprocess.run([str(tool), f.name, "20"], check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(f.name)
    return json.loads(out), compile_seconds


def config_array() -> str:
    """The default config's array as ROWSxCOLS, so compatible cycles are on the same array."""
    compute = json.loads(kpu.get_config(kpu.DEFAULT_PRESET).to_json())["compute"]
    return f"{compute['array_rows']}x{compute['array_cols']}"


def scalesim_compat(topology: str, dataflow: str) -> tuple[dict, float]:
    """kpu/cost's SCALE-Sim compatibility setting on a topology, and the seconds it took."""
    tool = kernel_compiler()
    if tool is None:
        raise RuntimeError("kpu-kernel-compiler not found (bazel build //tools:kpu-kernel-compiler)")
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(topology)
    try:
        start = time.perf_counter()
        out = subprocess.run([str(tool), "--scalesim-topology", f.name, "--dataflow", dataflow,
                              "--array", config_array(), "--format", "json"], check=True, capture_output=True, text=True).stdout
        seconds = time.perf_counter() - start
    finally:
        os.unlink(f.name)
    return json.loads(out), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--models", default="resnet18,mobilenet_v2")
    args = parser.parse_args()

    print("# CNNs (batch 1, 224x224): PyTorch eager vs the simulated KPU\n")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical CPUs visible; torch {torch.__version__} "
          f"with {torch.get_num_threads()} threads, the same process for every case")
    print(f"- kpu {kpu.version()}, config {kpu.DEFAULT_PRESET}, FUNCTIONAL mode, FAST engine")
    print(f"- wall time: median of {args.reps} calls after 1 warm-up call\n")
    ok = True
    resnet18_metrics = None
    for name in args.models.split(","):
        rows, extra, report = compare(name, args.reps)
        print(f"## {name}\n")
        print("| case | median wall (ms) | vs eager | KPU cycles | KPU energy (uJ) | KPU util "
              "| DRAM bytes | max abs diff |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            m = r["metrics"]
            sim = ("-",) * 4 if m is None else (
                f"{m['total_cycles']:,}", f"{m['total_energy_uj']:.1f}",
                f"{m['compute_utilization']:.1%}",
                f"{m['dram_reads_bytes'] + m['dram_writes_bytes']:,}")
            print(f"| {r['case']} | {r['ms']:,.1f} | {r['ratio']:.2f}x | " + " | ".join(sim) +
                  f" | {r['diff']:.1e} |")
            ok &= r["diff"] <= TOLERANCE
        print(f"\nFirst call (Dynamo, lowering, compiling {extra['KPU programs']} KPU program(s)): "
              f"{extra['first call incl. compile (ms)']:,.0f} ms\n\n```\n{report}\n```\n")
        if name == "resnet18":
            resnet18_metrics = rows[1]["metrics"]

    data, seconds = scalesim_compat(conv_topology(model_for("resnet50"), 224), "all")
    print(f"## Cost model speed\n\nResNet-50's {len(data['layers'])} convolutions, OS, WS and IS, "
          f"kpu/cost's SCALE-Sim compatibility setting through `kpu-kernel-compiler "
          f"--scalesim-topology` on a {config_array()} array (process start included): {seconds * 1e3:.0f} ms; "
          f"total compute cycles OS {data['total_compute_cycles']['os']:,}, "
          f"WS {data['total_compute_cycles']['ws']:,}, IS {data['total_compute_cycles']['is']:,}.\n")
    estimate, compile_seconds = analytical_estimate_speed("resnet50")
    print(f"ResNet-50 whole program ({estimate['ops']} KPU ops, batch 1, 224x224) in the analytical "
          f"mode: **{estimate['median_ms']:.2f} ms** per estimate (median of {estimate['reps']}, "
          f"values not computed), {estimate['total_cycles']:,} cycles; compiling it through "
          f"torch.compile took {compile_seconds:.1f} s.\n")

    if resnet18_metrics is not None:
        compat, _ = scalesim_compat(conv_topology(model_for("resnet18"), 224), "os")
        convs = [op for op in resnet18_metrics["op_metrics"] if op.get("op_type") == "conv2d"]
        print("## ResNet-18 per layer\n")
        print(f"SCALE-Sim-compatible cycles: output stationary, the config's {config_array()} array, 1-byte words, no padding "
              "(its assumptions); the KPU columns are the compiler's tiling on the config.\n")
        print("| layer | KPU op | dataflow | compute cycles | stall cycles | DRAM bytes "
              "| SCALE-Sim-compatible compute cycles |")
        print("|---|---|---|---:|---:|---:|---:|")
        for layer, op in zip(compat["layers"], convs):
            print(f"| {layer.get('name', '')} | {op.get('op_id', '')} | {op.get('dataflow', '')} | "
                  f"{int(op.get('compute_cycles', 0)):,} | {int(op.get('memory_stall_cycles', 0)):,} | "
                  f"{int(op.get('dram_bytes', 0)):,} | {int(layer['compute_cycles']):,} |")
        if len(convs) != len(compat["layers"]):
            print(f"\n(KPU conv ops: {len(convs)}, topology layers: {len(compat['layers'])})")
    return 0 if ok else 1


if __name__ == "__main__":
    kpu_region.Runtime = _RecordingRuntime
    sys.exit(main())
