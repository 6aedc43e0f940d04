"""Issue 6, point 7, across processes: the same graph compiled by two runs of kpu-kernel-compiler
gives byte-identical .kpu files and JSON views, and two runs of kpu-loader on it give identical
outputs and metrics, for an MLP and a small CNN. The processes differ in what could leak into
the output: heap addresses (ASLR, MALLOC_PERTURB_), working directory, environment."""
import os
import pathlib
import subprocess
import tempfile
import unittest

import numpy as np

import kpu

RUNFILES = pathlib.Path(os.environ.get("TEST_SRCDIR", ".")) / "kpu"
COMPILER = RUNFILES / "tools" / "kpu-kernel-compiler"
LOADER = RUNFILES / "tools" / "kpu-loader"
MLP = RUNFILES / "examples" / "mnist_mlp.dfg.json"


def cnn_graph() -> kpu.Graph:
    """conv3x3+ReLU -> max_pool -> conv3x3 -> ReLU -> flatten -> linear -> softmax."""
    rng = np.random.default_rng(3)
    g = kpu.Graph("cnn")
    g.add_input("x", [1, 3, 16, 16], "float32")
    g.add_constant("conv1.weight", rng.uniform(-0.3, 0.3, (8, 3, 3, 3)).astype(np.float32))
    g.add_constant("conv1.bias", rng.uniform(-0.1, 0.1, (8,)).astype(np.float32))
    g.add_node("conv2d", "conv1", ["x", "conv1.weight", "conv1.bias"], ["c1"],
               {"padding": [1, 1, 1, 1], "activation": "relu"})
    g.add_node("max_pool2d", "pool", ["c1"], ["p1"], {"kernel": [2, 2]})
    g.add_constant("conv2.weight", rng.uniform(-0.2, 0.2, (16, 8, 3, 3)).astype(np.float32))
    g.add_node("conv2d", "conv2", ["p1", "conv2.weight"], ["c2"], {"padding": [1, 1, 1, 1]})
    g.add_node("relu", "relu2", ["c2"], ["r2"])
    g.add_node("reshape", "flatten", ["r2"], ["f"], {"shape": [1, -1]})
    g.add_constant("fc.weight", rng.uniform(-0.05, 0.05, (10, 16 * 8 * 8)).astype(np.float32))
    g.add_constant("fc.bias", rng.uniform(-0.05, 0.05, (10,)).astype(np.float32))
    g.add_node("linear", "fc", ["f", "fc.weight", "fc.bias"], ["logits"])
    g.add_node("softmax", "softmax", ["logits"], ["probs"], {"axis": -1})
    g.add_output("probs")
    return g


def run(args, cwd, perturb):
    env = dict(os.environ, MALLOC_PERTURB_=str(perturb), KPU_DETERMINISM_RUN=str(perturb))
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env)
    if p.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


class DeterminismCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR")))
        (self.tmp / "cnn.dfg").write_bytes(cnn_graph().serialize())

    def compile_twice(self, graph: pathlib.Path, name: str, *extra) -> list[pathlib.Path]:
        outs = []
        for i in range(2):
            cwd = self.tmp / f"{name}_run{i}{''.join(extra).replace('-', '_')}"
            cwd.mkdir()
            out = cwd / f"{name}.out"
            run([COMPILER, graph.resolve(), "-o", out, *extra], cwd, 17 + 100 * i)
            outs.append(out)
        return outs

    def check_model(self, graph: pathlib.Path, name: str, x_shape):
        a, b = self.compile_twice(graph, name)
        self.assertEqual(a.read_bytes()[:4], b"KPU\0")
        self.assertEqual(a.read_bytes(), b.read_bytes(), f"{name}: .kpu bytes differ between processes")
        ja, jb = self.compile_twice(graph, name, "--format", "json")
        self.assertIn(b'"tile_sizes"', ja.read_bytes())
        self.assertEqual(ja.read_bytes(), jb.read_bytes(), f"{name}: JSON views differ between processes")

        x = np.random.default_rng(5).standard_normal(x_shape).astype(np.float32)
        (self.tmp / f"{name}_x.bin").write_bytes(x.tobytes())
        for engine in ("fast", "interpreter", "interpreter-reordered"):
            results = []
            for i in range(2):
                cwd = self.tmp / f"{name}_{engine}_{i}"
                cwd.mkdir()
                run([LOADER, a, "--input", f"x={self.tmp / f'{name}_x.bin'}", "--engine", engine,
                     "--output-dir", cwd, "--metrics-json", cwd / "metrics.json"], cwd, 29 + 100 * i)
                results.append(((cwd / "probs.bin").read_bytes(), (cwd / "metrics.json").read_bytes()))
            self.assertEqual(results[0][0], results[1][0], f"{name} {engine}: outputs differ between processes")
            self.assertEqual(results[0][1], results[1][1], f"{name} {engine}: metrics differ between processes")

    def test_mlp(self):
        self.check_model(MLP, "mlp", (1, 784))

    def test_cnn(self):
        self.check_model(self.tmp / "cnn.dfg", "cnn", (1, 3, 16, 16))


if __name__ == "__main__":
    unittest.main()
