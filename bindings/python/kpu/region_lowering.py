"""Emission: the KPU Graph of one region of the partitioned aten graph, for the concrete
arguments of one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.fx

from .aten import NotLowerable
from .aten_lowering import (Const, LoweringContext, Tensor, concrete, is_shape_arithmetic,
                            op_name)
from .compiler import Graph
from .errors import CompilationError


@dataclass(frozen=True)
class Out:
    """Output leaf: the KPU graph output of this name."""
    name: str


@dataclass(frozen=True)
class Arg:
    """Output leaf: the region's own argument at this index, returned as is."""
    index: int


@dataclass(frozen=True)
class Fixed:
    """Output leaf: a constant (a folded result)."""
    value: Any


@dataclass
class LoweredRegion:
    graph: Graph
    inputs: list[tuple[int, str]]  # (region argument index, KPU graph input name)
    outputs: list[str]
    template: Any  # the region's output structure with Out / Arg / Fixed leaves

    def assemble(self, outputs: dict, args, device) -> Any:
        def leaf(x):
            if isinstance(x, Out):
                return torch.from_numpy(outputs[x.name]).to(device)
            # Copies, as the aten ops did (clone, a folded result): the caller may write to them.
            if isinstance(x, Arg):
                return args[x.index].clone()
            if isinstance(x, Fixed):
                return x.value.clone() if isinstance(x.value, torch.Tensor) else x.value
            return x
        return torch.fx.node.map_aggregate(self.template, leaf)


def _propagate(gm: torch.fx.GraphModule, args) -> dict:
    """Every node's fake value for these concrete arguments (static shapes)."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    mode = FakeTensorMode(allow_non_fake_inputs=True)
    fakes = [mode.from_tensor(a, static_shapes=True) if isinstance(a, torch.Tensor) else a
             for a in args]
    interp = torch.fx.Interpreter(gm, garbage_collect_values=False)
    with mode:
        interp.run(*fakes)
    return dict(interp.env)


def lower_region(gm: torch.fx.GraphModule, args, constant_args: set[int], registry,
                 name: str) -> LoweredRegion:
    """The KPU graph of one region for the concrete `args` of one call. Arguments whose index is
    in `constant_args` (frozen parameters and buffers) become graph constants."""
    values = _propagate(gm, args)
    graph = Graph(name)
    ctx = LoweringContext(registry, lambda n: values[n], graph)
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    inputs = []
    for i, (node, arg) in enumerate(zip(placeholders, args)):
        if i in constant_args and isinstance(arg, torch.Tensor):
            ctx.env[node] = Const(arg.detach())
        elif isinstance(arg, torch.Tensor):
            if arg.dtype != torch.float32:
                raise CompilationError(f"KPU region {name}: input {node.name} has dtype "
                                       f"{arg.dtype}; the KPU computes in float32")
            graph.add_input(node.name, list(arg.shape), "float32")
            ctx.env[node] = Tensor(node.name)
            inputs.append((i, node.name))
    template, outputs = None, []
    for node in gm.graph.nodes:
        if node.op == "call_function":
            try:
                ctx.lower(node)
            except NotLowerable as e:
                raise CompilationError(
                    f"KPU region {name}: {op_name(node)} ({node.name}) cannot be lowered for "
                    f"these shapes: {e}") from None
        elif node.op == "output":
            input_index = {n: i for i, n in inputs}

            def leaf(v):
                if not isinstance(v, torch.fx.Node):
                    return Fixed(v)
                held = ctx.env.get(v)
                if is_shape_arithmetic(v):  # a size, fixed for this signature
                    return Fixed(concrete(values[v]))
                if isinstance(held, Const):
                    return Fixed(held.value)
                if not isinstance(held, Tensor):
                    raise CompilationError(f"KPU region {name}: output {v.name} is not a tensor")
                if held.name in input_index:  # an input returned unchanged (or an alias of it)
                    return Arg(input_index[held.name])
                if held.name not in outputs:
                    graph.add_output(held.name)
                    outputs.append(held.name)
                return Out(held.name)
            template = torch.fx.node.map_aggregate(node.args[0], leaf)
    return LoweredRegion(graph, inputs, outputs, template)
