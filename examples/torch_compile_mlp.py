"""The main job: the seed-000 MNIST MLP through torch.compile(model, backend="kpu") on the
default KPU (swkpu-v1), checked against PyTorch eager, with the simulated cycles and energy.

    ./scripts/run_mlp.sh            # builds the package, then runs this
    PYTHONPATH=bazel-bin/bindings/python/pkg python3 examples/torch_compile_mlp.py [--preset edge_ai]
"""
import argparse
import sys
import time

import torch

import kpu

TOLERANCE = 1e-5  # max abs difference from eager allowed on the softmax outputs


def mnist_mlp() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10), torch.nn.Softmax(dim=-1),
    ).eval()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default=kpu.DEFAULT_PRESET, choices=kpu.preset_names())
    parser.add_argument("--batches", default="1,16", help="comma-separated batch sizes")
    args = parser.parse_args()

    model = mnist_mlp()
    backend = "kpu" if args.preset == kpu.DEFAULT_PRESET else kpu.KPUBackend(config=args.preset)
    compiled = torch.compile(model, backend=backend)
    print(f"kpu {kpu.version()} | torch {torch.__version__} | KPU config {args.preset}")
    print(f"{'batch':>5} {'max|diff|':>10} {'cycles':>8} {'time_us':>8} {'energy_uJ':>10} "
          f"{'power_W':>8} {'util':>6} {'DRAM_B':>9} {'wall_ms':>8}")
    ok = True
    for batch in (int(b) for b in args.batches.split(",")):
        x = torch.rand(batch, 784, generator=torch.Generator().manual_seed(batch))
        with torch.no_grad():
            expected = model(x)
            start = time.perf_counter()
            got = compiled(x)
            wall_ms = 1e3 * (time.perf_counter() - start)
        diff = (got - expected).abs().max().item()
        m = kpu.last_metrics()
        ok &= diff <= TOLERANCE
        print(f"{batch:>5} {diff:>10.2e} {m['total_cycles']:>8} {m['total_time_us']:>8.2f} "
              f"{m['total_energy_uj']:>10.3f} {m['average_power_watts']:>8.3f} "
              f"{m['compute_utilization']:>6.3f} {m['dram_reads_bytes'] + m['dram_writes_bytes']:>9} "
              f"{wall_ms:>8.1f}")
    print("outputs match PyTorch eager within", TOLERANCE if ok else f"NOT within {TOLERANCE}")
    print("(wall_ms of the first call per batch includes compiling the KPU program)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
