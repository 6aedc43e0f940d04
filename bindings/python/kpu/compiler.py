"""Graph -> Program: building graphs, compiling them, and reading programs back."""

from __future__ import annotations

import os

from ._native import lib
from .config import get_config
from .modes import Dataflow

# The native classes, used as they are: Graph(name).add_input/add_constant/add_node/add_output,
# Program.serialize/deserialize/save/load_file/to_json/inputs/outputs.
Graph = lib.Graph
Program = lib.Program


def compile_graph(graph, config=None, dataflow=Dataflow.AUTO, fusion: bool = True,
                  residency: bool = True):
    """Compiles a Graph into a Program for `config` (see kpu.get_config; None: "swkpu-v1").

    Raises UnsupportedOpError, CompilationError, KPUMemoryError, InvalidArgumentError.
    """
    return lib.compile(graph, get_config(config), int(Dataflow.parse(dataflow)), bool(fusion),
                       bool(residency))


def load_program(source):
    """A Program from a Program, its .kpu bytes, or a path to a .kpu file."""
    if isinstance(source, Program):
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Program.deserialize(source)
    if isinstance(source, (str, os.PathLike)):
        return Program.load_file(os.fspath(source))
    raise TypeError(f"cannot load a KPU program from {type(source).__name__}")
