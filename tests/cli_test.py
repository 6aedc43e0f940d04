"""The CLIs end to end: compile the example .dfg, inspect the JSON view and the dry run, run the
program on an input file and compare the output file with PyTorch eager on the same weights.
Tolerance: 1e-5 absolute on the softmax outputs."""
import base64
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
TOPOLOGY = GOLDEN / "topologies" / "resnet18_conv_224.csv"
CONFIGS = RUNFILES / "configs"
CONV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"


def run(*args, check=True):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def golden_cycles(dataflow: str) -> list:
    """SCALE-Sim 3.0's own per-layer Total Cycles for ResNet-18 on 32x32."""
    report = (GOLDEN / "reports" / f"resnet18_32x32_{dataflow}_COMPUTE_REPORT.csv").read_text().splitlines()
    column = [h.strip() for h in report[0].split(",")].index("Total Cycles")
    return [int(line.split(",")[column]) for line in report[1:] if line.strip()]


def comparison_rows(out: str) -> dict:
    """The per-layer rows of the compiled-topology table, by layer name, and the total row."""
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:1] == ["layer"])
    names = lines[header].split()
    rows = {}
    for line in lines[header + 1:]:
        f = line.split()
        if f[0] == "total":
            rows["total"] = dict(zip(["layer", "scalesim", "compute", "stall", "cycles", "DRAM_B", "vs_ss"], f))
        else:
            rows[f[0]] = dict(zip(names, f))
    return rows


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
        # All three side by side, and the cheapest per layer.
        both = json.loads(run(COMPILER, "--scalesim-topology", topo, "--dataflow", "all", "--format", "json").stdout)
        totals = both["total_compute_cycles"]
        self.assertEqual((totals["os"], totals["ws"], totals["is"]), (2114948, 2806392, 3382652))
        self.assertEqual(totals["best"], sum(min(l[d]["compute_cycles"] for d in ("os", "ws", "is"))
                                             for l in both["layers"]))
        self.assertEqual(both["layers"][0]["best"], "ws")
        p = run(COMPILER, "--scalesim-topology", GRAPH, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("mnist_mlp.dfg.json:1:1: the header must be", p.stderr)
        p = run(COMPILER, "--scalesim-topology", topo, "--array", "32", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--array must be ROWSxCOLS", p.stderr)

    def config_32x32(self) -> pathlib.Path:
        """swkpu-v1 with one 32x32 array: the array the golden SCALE-Sim reports were made on."""
        config = json.loads((CONFIGS / "swkpu-v1.json").read_text())
        config["name"] = "swkpu-v1-32x32"
        config["compute"].update(array_rows=32, array_cols=32, compute_tiles=1)
        path = self.tmp / "swkpu-v1-32x32.json"
        path.write_text(json.dumps(config))
        return path

    def test_scalesim_topology_compiles_runs_and_matches_scalesim(self):
        config = self.config_32x32()
        kpu = self.tmp / "resnet18.kpu"
        graph = self.tmp / "resnet18.dfg.json"
        p = run(COMPILER, "--scalesim-topology", TOPOLOGY, "-o", kpu, "--config", config, "--emit-graph", graph)
        self.assertIn("compiled for swkpu-v1-32x32 (1 compute tile of 32x32), dataflow auto", p.stdout)
        rows = comparison_rows(p.stdout)
        layers = [line.split(",")[0].strip() for line in TOPOLOGY.read_text().splitlines()[1:] if line.strip()]
        self.assertEqual(len(layers), 20)
        self.assertEqual(sorted(rows), sorted(layers + ["total"]))
        # Under AUTO each layer's SCALE-Sim column is SCALE-Sim's own cycles in the dataflow the
        # compiler lowered the layer in.
        golden = {df: dict(zip(layers, golden_cycles(df))) for df in ("os", "ws", "is")}
        for layer in layers:
            self.assertEqual(int(rows[layer]["scalesim"]), golden[rows[layer]["flow"]][layer], layer)
        self.assertEqual(int(rows["total"]["scalesim"]), sum(int(rows[l]["scalesim"]) for l in layers))

        # The program loads and runs; its metrics are the table's estimates, op by op, and its
        # outputs are PyTorch's convolutions of the same inputs with the graph's weights.
        rng = np.random.default_rng(1)
        spec = json.loads(graph.read_text())
        tensors = {t["name"]: t for t in spec["tensors"]}
        inputs, args = {}, []
        for name in spec["inputs"]:
            x = rng.standard_normal([int(d) for d in tensors[name]["shape"]], dtype=np.float32)
            (self.tmp / f"{name}.bin").write_bytes(x.tobytes())
            inputs[name] = x
            args += ["--input", f"{name}={self.tmp / f'{name}.bin'}"]
        out_dir = self.tmp / "out"
        out_dir.mkdir()
        run(LOADER, kpu, *args, "--output-dir", out_dir, "--metrics-json", self.tmp / "metrics.json")
        metrics = json.loads((self.tmp / "metrics.json").read_text())
        ops = metrics["op_metrics"]
        self.assertEqual(len(ops), 20)
        for layer, op in zip(layers, ops):
            for column, field in (("compute", "compute_cycles"), ("stall", "memory_stall_cycles"),
                                  ("cycles", "cycles"), ("DRAM_B", "dram_bytes")):
                self.assertEqual(int(rows[layer][column]), int(op[field]), (layer, column))
        self.assertEqual(int(rows["total"]["cycles"]), int(metrics["total_cycles"]))
        strides = {l.split(",")[0].strip(): int(l.split(",")[7]) for l in TOPOLOGY.read_text().splitlines()[1:] if l.strip()}
        worst = 0.0
        for layer in layers:
            w = tensors[f"{layer}.weight"]
            weight = np.frombuffer(base64.b64decode(w["raw_data"]), dtype="<f4").reshape([int(d) for d in w["shape"]])
            want = torch.nn.functional.conv2d(torch.from_numpy(inputs[f"{layer}.input"]), torch.from_numpy(weight.copy()),
                                              stride=strides[layer]).numpy()
            got = np.frombuffer((out_dir / f"{layer}.output.bin").read_bytes(), dtype=np.float32).reshape(want.shape)
            worst = max(worst, float(np.abs(got - want).max()))
        self.assertLess(worst, 1e-4)  # fp32 sums of up to 4608 products of N(0,1) and [-0.1, 0.1) values

        # The emitted graph is the one that was compiled: compiling it again gives the same bytes.
        again = self.tmp / "again.kpu"
        run(COMPILER, graph, "-o", again, "--config", config)
        self.assertEqual(again.read_bytes(), kpu.read_bytes())

        # A forced dataflow is every layer's, and the column is then SCALE-Sim's report for it.
        for df in ("ws", "is"):
            rows = comparison_rows(run(COMPILER, "--scalesim-topology", TOPOLOGY, "-o", self.tmp / f"{df}.kpu",
                                       "--config", config, "--dataflow", df).stdout)
            self.assertEqual([rows[l]["flow"] for l in layers], [df] * 20)
            self.assertEqual([int(rows[l]["scalesim"]) for l in layers], golden_cycles(df))
            self.assertEqual(int(rows["total"]["scalesim"]), sum(golden_cycles(df)))

        # With the program on stdout (or --dump) the table goes to stderr, keeping stdout parseable.
        p = run(COMPILER, "--scalesim-topology", TOPOLOGY, "-o", "-", "--format", "json", "--config", config)
        self.assertEqual(json.loads(p.stdout)["metadata"]["name"], "resnet18_conv_224")
        self.assertIn("layer4.1.conv2", p.stderr)

    def test_scalesim_topology_bad_input_is_named(self):
        def compile_csv(name: str, text, *extra):
            path = self.tmp / name
            if isinstance(text, str):
                path.write_text(text)
            return run(COMPILER, "--scalesim-topology", path, "-o", self.tmp / "x.kpu", *extra, check=False)

        cases = [
            ("rows.csv", CONV_HEADER + "c1, 10, 10, 3, 3, 4, 8, 1,\nc2, 10, 10, 3\n",
             "rows.csv:3:14: expected 8 fields"),
            ("text.csv", CONV_HEADER + "c1, 10, ten, 3, 3, 4, 8, 1,\n",
             "text.csv:2:9: 'IFMAP Width' of layer 'c1' must be a positive integer"),
            ("zero.csv", CONV_HEADER + "c1, 10, 10, 3, 3, 0, 8, 1,\n", "zero.csv:2:19: 'Channels' of layer 'c1'"),
            ("negative.csv", "Layer, M, N, K,\nfc, 64, -3, 64,\n", "negative.csv:2:9: 'N' of layer 'fc'"),
            ("filter.csv", CONV_HEADER + "c1, 10, 10, 11, 3, 4, 8, 1,\n",
             "layer 'c1': filter 11x3 is larger than its IFMAP 10x10"),
            ("header.csv", "Layer, M, N\nfc, 1, 2\n", "header.csv:1:1: the header must be"),
            ("overflow.csv", "Layer, M, N, K,\nok, 64, 64, 64,\nhuge, 1099511627776, 4, 1099511627776,\n",
             "SCALE-Sim topology {dir}/overflow.csv: layer 'huge' (line 3): its input is larger than 2^63 bytes"),
            ("conv_overflow.csv", CONV_HEADER + "c, 1099511627776, 1099511627776, 1, 1, 4, 4, 1,\n",
             "layer 'c' (line 2): cost arithmetic overflows 64 bits"),
            ("weights.csv", "Layer, M, N, K,\nhuge, 1, 65536, 65536,\n",
             "layer 'huge' (line 2) brings the weights past 2^28 elements"),
            ("dram.csv", "Layer, M, N, K,\nbig, 65536, 64, 16384,\n",
             "DRAM memory exceeded: 4100MB required, 2048MB available (KPU config 'swkpu-v1'; weights 4096KB, "
             "the largest activation 'big.input' (65536,16384) 4096MB)"),
            ("many.csv", "Layer, M, N, K,\n" + "".join(f"g{i}, 4, 4, 4,\n" for i in range(1025)),
             "many.csv:1026:1: more than 1024 layers"),
        ]
        for name, text, message in cases:
            p = compile_csv(name, text)
            self.assertEqual(p.returncode, 1, (name, p.stderr))
            self.assertIn(message.format(dir=self.tmp), p.stderr, name)
            self.assertNotIn("internal", p.stderr.lower(), name)
            self.assertFalse((self.tmp / "x.kpu").exists(), name)
        # Too large to read: refused from its size, before reading (a sparse 17 MiB file).
        with open(self.tmp / "big.csv", "wb") as f:
            f.truncate(17 << 20)
        p = compile_csv("big.csv", None)
        self.assertEqual(p.returncode, 1)
        self.assertIn("the file is 17825792 bytes, more than the 16 MiB a topology may have", p.stderr)
        p = compile_csv("", None)  # the folder itself
        self.assertIn("is not a regular file", p.stderr)
        p = compile_csv("missing.csv", None)
        self.assertIn("cannot read", p.stderr)
        # Options that make no sense with a compiled topology, or without one.
        good = self.tmp / "good.csv"
        good.write_text("Layer, M, N, K,\nfc, 64, 64, 64,\n")
        p = run(COMPILER, "--scalesim-topology", good, "-o", self.tmp / "x.kpu", "--array", "32x32", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--array is for the formulas alone", p.stderr)
        p = run(COMPILER, "--scalesim-topology", good, "-o", self.tmp / "x.kpu", "--dataflow", "all", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("all is for the formulas alone", p.stderr)
        p = run(COMPILER, GRAPH, "--emit-graph", self.tmp / "g.dfg", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--emit-graph writes an imported --scalesim-topology", p.stderr)
        # Without -o the formulas alone, and the graph when asked for.
        p = run(COMPILER, "--scalesim-topology", good, "--emit-graph", self.tmp / "g.dfg")
        # OS on 32x32: 2 x 2 folds of K + R + C - 2 = 126 cycles, numbered from 0 as SCALE-Sim does.
        self.assertEqual(p.stdout.splitlines()[-2].split(), ["fc", "64", "64", "64", "4", str(4 * 126 - 1)])
        kpu = self.tmp / "g.kpu"
        run(COMPILER, self.tmp / "g.dfg", "-o", kpu)
        self.assertIn("total_cycles", run(LOADER, kpu, "--random-inputs", "3").stdout)


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
