"""The directory built by //bindings/python:kpu_pkg is a working package on its own: a fresh
interpreter with only that directory on PYTHONPATH imports kpu and runs a program."""

import os
import subprocess
import sys
import tempfile

import pytest

SCRIPT = r"""
import numpy as np, kpu
g = kpu.Graph("g")
g.add_input("x", [2, 3], "float32")
g.add_node("relu", "r", ["x"], ["y"])
g.add_output("y")
rt = kpu.Runtime(kpu.compile_graph(g))
x = np.array([[-1, 0, 2], [3, -4, 5]], np.float32)
assert (rt.execute({"x": x})["y"] == np.maximum(x, 0)).all()
print(kpu.__file__)
"""


def _pkg_dir() -> str:
    root = os.path.join(os.environ["TEST_SRCDIR"], os.environ.get("TEST_WORKSPACE", "kpu"))
    return os.path.join(root, "bindings", "python", "pkg")


def test_package_runs_outside_bazel_paths():
    pkg = _pkg_dir()
    assert os.path.isfile(os.path.join(pkg, "kpu", "_kpu.so"))
    assert os.path.isfile(os.path.join(pkg, "kpu", "libkpu.so"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "KPU_NATIVE_DIR", "LD_LIBRARY_PATH")}
    env["PYTHONPATH"] = pkg
    with tempfile.TemporaryDirectory() as cwd:
        run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=cwd,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith(pkg), run.stdout


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
