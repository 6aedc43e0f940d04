"""Aten FX graphs to KPU Graphs, through the aten table (kpu/aten/).

One converter per aten overload serves two passes, so what the partitioner accepts is exactly
what the emitter can build:
  * support: `Support.check(node)` runs the converter on the whole aten graph with the traced
    (possibly symbolic) shapes and no KPU graph, and says why a node cannot run on the KPU;
  * emission: `lower_region(gm, args, constants)` runs the converters of one KPU region with the
    concrete shapes of one call and builds the KPU Graph.
Frozen parameters and buffers are constants: a call whose tensor inputs are all constants is
evaluated once here (constant folding, e.g. the permute of a Linear weight), never on the KPU.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx
from torch.fx.experimental import symbolic_shapes

from . import aten
from .aten import NotLowerable
from .compiler import Graph
from .errors import CompilationError

_SYM = (torch.SymInt, torch.SymFloat, torch.SymBool)


@dataclass(frozen=True)
class Tensor:
    """A tensor of the KPU graph, by name."""
    name: str


@dataclass(frozen=True)
class Const:
    """A constant: a frozen parameter/buffer or a folded result (a real torch tensor)."""
    value: torch.Tensor


def op_name(node: torch.fx.Node) -> str:
    """The name reports use: "aten.convolution.default", "operator.getitem"."""
    if node.op != "call_function":
        return f"{node.op} {node.target}"
    if isinstance(node.target, torch._ops.OpOverload):
        return str(node.target)
    name = getattr(node.target, "__name__", str(node.target))
    module = getattr(node.target, "__module__", None) or ""
    return f"{module.replace('_operator', 'operator')}.{name}" if module else name


def concrete(value):
    """A Python number from a SymInt/SymFloat/SymBool (its hint when symbolic); values are
    passed through."""
    if isinstance(value, _SYM):
        if not symbolic_shapes.has_guarding_hint(value):
            raise NotLowerable("a data-dependent size")
        hint = symbolic_shapes.guarding_hint_or_throw(value)
        return {torch.SymInt: int, torch.SymFloat: float, torch.SymBool: bool}[type(value)](hint)
    return value


def _is_getitem(node) -> bool:
    return node.op == "call_function" and node.target is operator.getitem


def _foldable(node: torch.fx.Node, env: dict) -> bool:
    """Whether every tensor input of this call is a constant, so it can be evaluated now."""
    if node.op != "call_function" or not isinstance(node.target, torch._ops.OpOverload):
        return False
    if torch.Tag.nondeterministic_seeded in node.target.tags:
        return False
    inputs = node.all_input_nodes
    return all(isinstance(env.get(n), Const) for n in inputs)


class LoweringContext:
    """What a converter reads the call through and emits into.

    `values` gives each FX node's fake value (traced meta or concrete propagation); `graph` is
    None in the support pass, where emission only checks that libkpu has the op.
    """

    def __init__(self, registry: frozenset[str], values, graph: Graph | None):
        self.registry = registry
        self.graph = graph
        self._values = values
        self.env: dict[torch.fx.Node, Any] = {}
        self._node: torch.fx.Node | None = None
        self._emitted = 0
        self._constants: dict[int, str] = {}  # id(Const) -> KPU constant name
        self._const_count = 0
        self.emitted_ops: list[str] = []

    # --- reading arguments -------------------------------------------------------------------

    @staticmethod
    def arg(node, index: int, name: str | None = None, default=None):
        """Argument `name` at position `index` (aten calls may pass it either way)."""
        if len(node.args) > index:
            return node.args[index]
        if name is not None and name in node.kwargs:
            return node.kwargs[name]
        if name is None:
            schema = getattr(node.target, "_schema", None)
            if schema is not None and index < len(schema.arguments):
                return node.kwargs.get(schema.arguments[index].name, default)
        return default

    @staticmethod
    def is_node(value) -> bool:
        return isinstance(value, torch.fx.Node)

    def value(self, a):
        """The fake value of an FX argument (fake tensor, number, ...); literals as they are."""
        if isinstance(a, torch.fx.Node):
            return self._values(a)
        if isinstance(a, (list, tuple)):
            return type(a)(self.value(x) for x in a)
        return a

    def int(self, a) -> int:
        v = concrete(self.value(a))
        if isinstance(v, bool) or not isinstance(v, int):
            raise NotLowerable(f"{v!r} where an int constant is needed")
        return v

    def ints(self, a) -> list[int]:
        v = self.value(a)
        if isinstance(v, (int, torch.SymInt)):
            v = [v]
        return [self.int(x) for x in v]

    def float(self, a) -> float:
        v = concrete(self.value(a))
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise NotLowerable(f"{v!r} where a number is needed")
        return float(v)

    def shape(self, a) -> tuple[int, ...]:
        v = self.value(a)
        if not isinstance(v, torch.Tensor):
            raise NotLowerable("a non-tensor operand")
        return tuple(concrete(d) for d in v.shape)

    def has(self, op: str) -> bool:
        return op in self.registry

    def only_first_output_used(self, node, what: str) -> None:
        for user in node.users:
            if not (_is_getitem(user) and user.args[1] == 0):
                raise NotLowerable(f"{what} is used")

    # --- tensors -------------------------------------------------------------------------------

    def const(self, a) -> torch.Tensor | None:
        held = self.env.get(a) if isinstance(a, torch.fx.Node) else None
        return held.value if isinstance(held, Const) else None

    def tensor(self, a) -> str:
        """The KPU tensor name of an FX tensor argument (constants enter the graph here)."""
        held = self.env.get(a) if isinstance(a, torch.fx.Node) else None
        if isinstance(held, Tensor):
            return held.name
        if isinstance(held, Const):
            key = id(held)
            if key not in self._constants:
                self._constants[key] = self._add_constant(a.name, held.value)
            return self._constants[key]
        raise NotLowerable("a non-tensor operand")

    def alias(self, a):
        """The call's result is its input (clone, detach, ...): no KPU op."""
        held = self.env.get(a) if isinstance(a, torch.fx.Node) else None
        if not isinstance(held, (Tensor, Const)):
            raise NotLowerable("a non-tensor operand")
        return held

    def scalar(self, number) -> str:
        """A rank-0 float32 constant."""
        return self._add_constant("scalar", torch.tensor(float(number), dtype=torch.float32))

    def new_constant(self, hint: str, value: torch.Tensor) -> str:
        return self._add_constant(hint, value.to(torch.float32))

    def reshaped_constant(self, a, shape) -> str:
        value = self.const(a)
        if value is None:
            raise NotLowerable("a reshape of a non-constant")
        return self.new_constant("reshaped", value.reshape(shape))

    def _add_constant(self, hint: str, value: torch.Tensor) -> str:
        if value.dtype != torch.float32:
            raise NotLowerable(f"a {value.dtype} constant")
        self._const_count += 1
        name = f"c{self._const_count}_{hint}"
        if self.graph is not None:
            self.graph.add_constant(name, value.detach().cpu().contiguous().numpy())
        return name

    def emit(self, op: str, inputs: list[str], attrs: dict | None = None, outputs: int = 1):
        """Adds one KPU node for the current call; returns its output name (or names)."""
        if op not in self.registry:
            raise NotLowerable(f"libkpu has no '{op}'")
        base = self._node.name if self._emitted == 0 else f"{self._node.name}_{self._emitted}"
        self._emitted += 1
        names = [base] if outputs == 1 else [f"{base}_{i}" for i in range(outputs)]
        if self.graph is not None:
            self.graph.add_node(op, base, list(inputs), names, attrs or {})
        self.emitted_ops.append(op)
        return names[0] if outputs == 1 else names

    # --- driving -------------------------------------------------------------------------------

    def lower(self, node: torch.fx.Node) -> None:
        """Lowers one call_function node into env, or raises NotLowerable."""
        self._node, self._emitted = node, 0
        if _is_getitem(node):
            source = self.env.get(node.args[0])
            if not isinstance(source, (tuple, list)):
                raise NotLowerable("getitem of a value that is not a KPU op's outputs")
            item = source[node.args[1]]
            if item is None:
                raise NotLowerable("an output the KPU op does not produce")
            self.env[node] = item if isinstance(item, (Tensor, Const)) else Tensor(item)
            return
        if _foldable(node, self.env):
            self.env[node] = _fold(node, self.env)
            return
        entry = aten.entry_for(node.target)
        if entry is None:
            raise NotLowerable("no aten table entry")
        _check_dtypes(node, self)
        result = entry.convert(self, node)
        self.env[node] = _held(result)


def _held(result):
    if isinstance(result, (Tensor, Const)):
        return result
    if isinstance(result, str):
        return Tensor(result)
    if isinstance(result, (tuple, list)):
        return tuple(None if r is None else _held(r) for r in result)
    raise TypeError(f"converter returned {type(result).__name__}")


def _fold(node, env):
    def real(a):
        if isinstance(a, torch.fx.Node):
            return env[a].value
        return a
    args = torch.fx.node.map_aggregate(node.args, real)
    kwargs = torch.fx.node.map_aggregate(node.kwargs, real)
    with torch.no_grad():
        out = node.target(*args, **kwargs)
    if isinstance(out, torch.Tensor):
        return Const(out)
    if isinstance(out, (tuple, list)) and all(isinstance(o, torch.Tensor) for o in out):
        return tuple(Const(o) for o in out)
    raise NotLowerable("a constant call whose result is not a tensor")


def _check_dtypes(node, ctx: LoweringContext) -> None:
    """The KPU computes in float32 only (op contract): every tensor in and out must be. Outputs
    nobody reads (max_pool2d's int64 indices) do not count."""
    values = [ctx.value(n) for n in node.all_input_nodes]
    out = ctx.value(node)
    if isinstance(out, (tuple, list)):
        used = {u.args[1] for u in node.users if _is_getitem(u)}
        values += [v for i, v in enumerate(out) if i in used]
    else:
        values.append(out)
    for v in values:
        items = v if isinstance(v, (tuple, list)) else [v]
        for t in items:
            if isinstance(t, torch.Tensor) and t.dtype != torch.float32:
                raise NotLowerable(f"dtype {str(t.dtype).replace('torch.', '')}")


# ------------------------------------------------------------------------------------------------
# Support pass
# ------------------------------------------------------------------------------------------------


class Support:
    """Which nodes of an aten graph can run on the KPU, and why the others cannot.

    `reasons[node]` is None for a supported node, else the reason. Nodes are judged in graph
    order, each as if its inputs were available on the KPU, so one unsupported op does not
    condemn everything after it.
    """

    def __init__(self, gm: torch.fx.GraphModule, registry: frozenset[str], forced=None):
        from torch._subclasses.fake_tensor import unset_fake_temporarily

        # Runs inside AOTAutograd's fake mode; constants are real tensors and converters may
        # compute with them (folding, a transposed weight).
        with unset_fake_temporarily():
            self._judge(gm, registry, forced)

    def _judge(self, gm, registry, forced):
        self.gm = gm
        self.reasons: dict[torch.fx.Node, str | None] = {}
        self.folded: set[torch.fx.Node] = set()
        forced = forced or (lambda node, ops: None)
        ctx = LoweringContext(registry, _meta_value, None)
        for node in gm.graph.nodes:
            if node.op == "placeholder":
                ctx.env[node] = _as_tensor(node)
            elif node.op == "get_attr":
                value = _fetch_attr(gm, node.target)
                ctx.env[node] = Const(value) if isinstance(value, torch.Tensor) else value
            elif node.op == "call_function":
                reason = None
                ctx.emitted_ops = []
                if _is_getitem(node) and self.reasons.get(node.args[0]) is not None:
                    self.reasons[node] = "its producer runs in PyTorch"
                    ctx.env[node] = _as_tensor(node)
                    continue
                reason = forced(node, [])
                if reason is not None:  # by its aten name, whether or not it could be lowered
                    self.reasons[node] = reason
                    ctx.env[node] = _as_tensor(node)
                    continue
                try:
                    was_const = _foldable(node, ctx.env) and not _is_getitem(node)
                    ctx.lower(node)
                    if was_const:
                        self.folded.add(node)
                    else:
                        reason = forced(node, ctx.emitted_ops)
                except NotLowerable as e:
                    reason = str(e) or "not lowerable"
                    ctx.env[node] = _as_tensor(node)
                self.reasons[node] = reason
            elif node.op in ("call_method", "call_module"):
                self.reasons[node] = f"{node.op} is not an aten call"
                ctx.env[node] = _as_tensor(node)

    def supported(self, node) -> bool:
        return node in self.reasons and self.reasons[node] is None


def _meta_value(node):
    if "val" not in node.meta:
        raise NotLowerable("no traced shape")
    return node.meta["val"]


def _as_tensor(node):
    """An opaque KPU value for a node computed elsewhere (an input of a region)."""
    v = node.meta.get("val")
    if isinstance(v, torch.Tensor):
        return Tensor(node.name)
    if isinstance(v, (tuple, list)):
        return tuple(Tensor(f"{node.name}_{i}") if isinstance(x, torch.Tensor) else None
                     for i, x in enumerate(v))
    return None


def _fetch_attr(gm, target: str):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


# ------------------------------------------------------------------------------------------------
# Emission of one region
# ------------------------------------------------------------------------------------------------


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
            if isinstance(x, Arg):
                return args[x.index]
            if isinstance(x, Fixed):
                return x.value
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
