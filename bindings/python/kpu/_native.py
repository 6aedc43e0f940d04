"""Finds and imports the `_kpu` extension module (bindings/python/kpu_module.cc).

It can sit in three places, searched in this order:
  1. $KPU_NATIVE_DIR, for a build kept elsewhere;
  2. this package's folder: the assembled package (//bindings/python:kpu_pkg) puts _kpu.so and
     libkpu.so next to these sources;
  3. the folder above it: inside Bazel (bazel-bin, or a test's runfiles) _kpu.so is a sibling of
     the `kpu/` source folder.
The module is loaded from an explicit path rather than by `import _kpu` so a stray _kpu.so
elsewhere on sys.path can never be picked up by accident.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

from . import errors

ENV_VAR = "KPU_NATIVE_DIR"
_FILE = "_kpu.so"


def _candidates() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [os.environ.get(ENV_VAR, ""), here, os.path.dirname(here)]
    return [os.path.join(d, _FILE) for d in dirs if d]


def _load():
    # A second PyInit of the same pybind11 module fails, so reuse one already imported.
    if "_kpu" in sys.modules:
        return sys.modules["_kpu"]
    tried = _candidates()
    for path in tried:
        if os.path.isfile(path):
            loader = importlib.machinery.ExtensionFileLoader("_kpu", path)
            spec = importlib.util.spec_from_file_location("_kpu", path, loader=loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            sys.modules["_kpu"] = module
            return module
    raise ImportError(
        "kpu: cannot find the native module _kpu.so; looked at " + ", ".join(tried) +
        f". Build //bindings/python:kpu_pkg, or set {ENV_VAR} to the folder holding _kpu.so.")


lib = _load()
# From here on every failed kpu_* call raises the matching kpu.errors class.
lib.set_error_factory(errors.from_status)
