"""The main job: ResNet-18 (224x224, random init, eval) through torch.compile(model,
backend="kpu") on the default KPU (swkpu-v1), checked against PyTorch eager, with the simulated
cycles, energy, utilization, DRAM traffic, the dataflow the compiler chose per layer and the
fallback report (which ops ran in PyTorch, and why).

    ./scripts/run_resnet18.sh       # builds the package, then runs this
    ./scripts/run_resnet18.sh --no-residency   # every activation through DRAM, for comparison
    PYTHONPATH=bazel-bin/bindings/python/pkg python3 examples/torch_compile_resnet18.py [--preset edge_ai]
"""
import argparse
import sys
import time
import warnings

import torch
import torch.nn as nn

import kpu
from kpu.testing import models

# Twenty-odd float32 layers: the KPU and eager sum in different orders.
TOLERANCE = 1e-4


def resnet18() -> nn.Module:
    return models.eval_model("resnet18")


def _dataflow(op: dict) -> str:
    # Ops on the vector unit (pooling, reductions, elementwise) have no array dataflow.
    flow = op.get("dataflow") or ""
    return flow if flow and flow != "DATAFLOW_UNSPECIFIED" else "vector unit"


def layer_table(op_metrics: list[dict]) -> str:
    rows = [f"{'op':<34} {'type':<8} {'dataflow':<18} {'cycles':>10} {'compute':>10} "
            f"{'stall':>9} {'DRAM_B':>10}  fused"]
    for op in op_metrics:
        fused = ",".join(op.get("fused_with", []))
        rows.append(f"{op.get('op_id', '')[:34]:<34} {op.get('op_type', '')[:8]:<8} "
                    f"{_dataflow(op):<18} {int(op.get('cycles', 0)):>10} "
                    f"{int(op.get('compute_cycles', 0)):>10} {int(op.get('memory_stall_cycles', 0)):>9} "
                    f"{int(op.get('dram_bytes', 0)):>10}  {fused}")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=kpu.DEFAULT_PRESET, choices=kpu.preset_names())
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--dataflow", default="auto", choices=("auto", "os", "ws", "is"),
                        help="auto: the cheapest per layer by the cost model; or force one for every layer")
    parser.add_argument("--no-residency", action="store_true",
                        help="write every activation to DRAM and read it back, instead of keeping "
                             "it on chip (L2/L3) for its consumer when it fits")
    args = parser.parse_args()

    model = resnet18()
    # Ops libkpu cannot lower yet run in PyTorch; the report below names them.
    compiled = torch.compile(model, backend="kpu",
                             options={"config": args.preset, "fallback": "torch",
                                      "dataflow": args.dataflow,
                                      "residency": not args.no_residency})
    print(f"kpu {kpu.version()} | torch {torch.__version__} | KPU config {args.preset} | "
          f"ResNet-18 {args.batch}x3x{args.size}x{args.size} | dataflow {args.dataflow}")
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", kpu.KPUFallbackWarning)
        expected = model(x)
        start = time.perf_counter()
        got = compiled(x)
        first_ms = 1e3 * (time.perf_counter() - start)
        start = time.perf_counter()
        got = compiled(x)
        wall_ms = 1e3 * (time.perf_counter() - start)
    diff = (got - expected).abs().max().item()
    m = kpu.last_metrics()
    report = kpu.last_report()

    print("\nPer layer (KPU ops in program order; fused = graph nodes folded into the op):")
    print(layer_table(m["op_metrics"]))
    print("\nFallback report:")
    print(report)
    print("\nWhole model:")
    print(f"  max |KPU - eager|     {diff:.3e}  (tolerance {TOLERANCE})")
    print(f"  cycles               {m['total_cycles']}  ({m['total_time_us']:.1f} us simulated)")
    print(f"  energy               {m['total_energy_uj']:.1f} uJ  (average {m['average_power_watts']:.3f} W)")
    print(f"  compute utilization  {m['compute_utilization']:.3f}")
    print(f"  DRAM bytes           {m['dram_reads_bytes'] + m['dram_writes_bytes']} "
          f"(read {m['dram_reads_bytes']}, written {m['dram_writes_bytes']})")
    print(f"  peak SRAM            L3 {m['peak_l3_bytes']}, L2 {m['peak_l2_bytes']}, "
          f"L1 {m['peak_l1_bytes']} bytes (activations kept on chip: "
          f"{'off' if args.no_residency else 'on'})")
    print(f"  KPU regions          {m['regions']}")
    print(f"  wall time            {wall_ms:.1f} ms per call ({first_ms:.0f} ms for the first, "
          f"which compiles)")
    ok = diff <= TOLERANCE
    print("outputs match PyTorch eager within", TOLERANCE if ok else f"NOT within {TOLERANCE}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
