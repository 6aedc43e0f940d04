"""The CLIs end to end: compile the example .dfg, inspect the JSON view and the dry run, run the
program on an input file and compare the output file with PyTorch eager on the same weights.
Tolerance: 1e-5 absolute on the softmax outputs."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / "kpu"
COMPILER = RUNFILES / "tools" / "kpu-kernel-compiler"
LOADER = RUNFILES / "tools" / "kpu-loader"
GRAPH = RUNFILES / "examples" / "mnist_mlp.dfg.json"
GOLDEN = RUNFILES / "tests" / "golden" / "scalesim-3.0.0"


def run(*args, check=True):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def torch_reference(x: np.ndarray) -> np.ndarray:
    graph = json.loads(GRAPH.read_text())
    blob = (GRAPH.parent / "mnist_mlp.weights.bin").read_bytes()
    params = {}
    for t in graph["tensors"]:
        ext = t.get("external_data")
        if ext:
            data = np.frombuffer(blob, dtype="<f4", count=int(ext["length"]) // 4, offset=int(ext.get("offset", 0)))
            params[t["name"]] = torch.from_numpy(data.reshape(t["shape"]).copy())
    h = torch.from_numpy(x)
    for i in (1, 2, 3):
        h = torch.nn.functional.linear(h, params[f"fc{i}.weight"], params[f"fc{i}.bias"])
        h = torch.relu(h) if i < 3 else torch.softmax(h, dim=-1)
    return h.numpy()


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR")))

    def test_compile_run_and_compare_with_torch(self):
        kpu = self.tmp / "mlp.kpu"
        run(COMPILER, GRAPH, "-o", kpu)
        self.assertEqual(kpu.read_bytes()[:4], b"KPU\0")
        x = np.random.default_rng(0).random((1, 784), dtype=np.float32)
        (self.tmp / "x.bin").write_bytes(x.tobytes())
        out = run(LOADER, kpu, "--input", f"x={self.tmp / 'x.bin'}", "--output-dir", self.tmp,
                  "--metrics-json", self.tmp / "metrics.json").stdout
        self.assertIn("total_cycles", out)
        self.assertIn("total_energy_uj", out)
        y = np.frombuffer((self.tmp / "probs.bin").read_bytes(), dtype=np.float32).reshape(1, 10)
        np.testing.assert_allclose(y, torch_reference(x), atol=1e-5, rtol=0)
        metrics = json.loads((self.tmp / "metrics.json").read_text())
        self.assertGreater(int(metrics["total_cycles"]), 0)
        self.assertEqual(len(metrics["op_metrics"]), 4)

        # The tile interpreter computes the same output from the same file.
        run(LOADER, kpu, "--input", f"x={self.tmp / 'x.bin'}", "--engine", "interpreter",
            "--output", f"probs={self.tmp / 'interp.bin'}")
        z = np.frombuffer((self.tmp / "interp.bin").read_bytes(), dtype=np.float32).reshape(1, 10)
        np.testing.assert_allclose(z, y, atol=1e-6, rtol=0)

    def test_json_view_and_dump(self):
        view = run(COMPILER, GRAPH, "--format", "json", "-o", "-").stdout
        program = json.loads(view)
        ops = program["operations"]["ops"]
        self.assertEqual([op["op_type"] for op in ops], ["matmul", "matmul", "matmul", "softmax"])
        self.assertEqual(ops[0]["fused_with"], ["relu1"])
        self.assertIn("tile_loop", json.dumps(ops[0]["dfx"]))
        dump = run(COMPILER, GRAPH, "-o", self.tmp / "a.kpu", "--dump").stdout
        self.assertEqual(json.loads(dump)["metadata"]["name"], "mnist_mlp")

    def test_dry_run_shows_the_schedule_without_running(self):
        kpu = self.tmp / "mlp.kpu"
        run(COMPILER, GRAPH, "-o", kpu, "--config", "edge_ai")
        out = run(LOADER, kpu, "--dry-run").stdout
        self.assertIn("on edge_ai", out)
        self.assertIn("MATMUL_TILE", out)
        self.assertIn("via DMA[", out)
        self.assertNotIn("total_cycles", out)

    def test_errors_are_clear(self):
        p = run(LOADER, self.tmp / "missing.kpu", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot open", p.stderr)
        kpu = self.tmp / "mlp.kpu"
        run(COMPILER, GRAPH, "-o", kpu)
        truncated = self.tmp / "truncated.kpu"
        truncated.write_bytes(kpu.read_bytes()[:1000])
        p = run(LOADER, truncated, "--random-inputs", "1", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("Invalid KPU program", p.stderr)
        p = run(LOADER, kpu, check=False)
        self.assertIn("no data for input 'x' (1,784)", p.stderr)
        (self.tmp / "short.bin").write_bytes(b"\0" * 12)
        p = run(LOADER, kpu, "--input", f"x={self.tmp / 'short.bin'}", check=False)
        self.assertIn("needs 3136 bytes", p.stderr)
        bad_graph = self.tmp / "bad.dfg.json"
        bad_graph.write_text(json.dumps({"name": "g", "inputs": ["x"], "outputs": ["y"],
                                         "tensors": [{"name": "x", "dtype": "FLOAT32", "shape": [1, 4]}],
                                         "nodes": [{"op_type": "InstanceNorm", "inputs": ["x"], "outputs": ["y"]}]}))
        p = run(COMPILER, bad_graph, "-o", self.tmp / "bad.kpu", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("Unsupported operators: InstanceNorm", p.stderr)
        p = run(COMPILER, GRAPH, "--config", "nope", check=False)
        self.assertIn("Unknown KPU config preset 'nope'", p.stderr)


    def test_scalesim_topology_table_equals_scalesim(self):
        topo = GOLDEN / "topologies" / "resnet18_conv_224.csv"
        out = run(COMPILER, "--scalesim-topology", topo).stdout
        rows = [line.split() for line in out.splitlines()]
        conv1 = next(r for r in rows if r and r[0] == "conv1")
        self.assertEqual(conv1[1:], ["12544", "64", "147", "784", "163855"])
        self.assertEqual(rows[-1], ["total", "2114948"])
        # SCALE-Sim's own report, layer by layer, for every dataflow.
        for df in ("os", "ws", "is"):
            report = (GOLDEN / "reports" / f"resnet18_32x32_{df}_COMPUTE_REPORT.csv").read_text().splitlines()
            column = [h.strip() for h in report[0].split(",")].index("Total Cycles")
            golden = [int(line.split(",")[column]) for line in report[1:] if line.strip()]
            data = json.loads(run(COMPILER, "--scalesim-topology", topo, "--dataflow", df, "--array", "32x32",
                                  "--format", "json").stdout)
            self.assertEqual(data["dataflow"], df)
            self.assertEqual([layer["compute_cycles"] for layer in data["layers"]], golden)
            self.assertEqual(data["total_compute_cycles"], sum(golden))
        p = run(COMPILER, "--scalesim-topology", GRAPH, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("mnist_mlp.dfg.json:1:1: the header must be", p.stderr)
        p = run(COMPILER, "--scalesim-topology", topo, "--array", "32", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--array must be ROWSxCOLS", p.stderr)


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
