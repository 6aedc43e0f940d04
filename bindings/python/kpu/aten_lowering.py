"""The lowering context the aten table's converters (kpu/aten/) read calls through and emit KPU
nodes into, and the per-node driver.

One converter per aten overload serves two passes, so what the partitioner accepts is exactly
what the emitter can build:
  * support (kpu/support.py): the converters run on the whole aten graph with the traced
    (possibly symbolic) shapes and no KPU graph, and say why a node cannot run on the KPU;
  * emission (kpu/region_lowering.py): the converters of one KPU region run with the concrete
    shapes of one call and build the KPU Graph.
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


def is_getitem(node) -> bool:
    return node.op == "call_function" and node.target is operator.getitem


_SCALARS = (int, float, bool, torch.SymInt, torch.SymFloat, torch.SymBool)


def is_shape_arithmetic(node: torch.fx.Node) -> bool:
    """Arithmetic on sizes (aten.sym_size, operator.mul of SymInts): host work, not a tensor op.
    Inside a region it is evaluated at lowering time with the call's concrete shapes."""
    if node.op != "call_function" or not isinstance(node.meta.get("val"), _SCALARS):
        return False
    if isinstance(node.target, torch._ops.OpOverload):
        return node.target.name().startswith("aten::sym_")
    return all(isinstance(n.meta.get("val"), _SCALARS) for n in node.all_input_nodes)


def foldable(node: torch.fx.Node, env: dict) -> bool:
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

    def __init__(self, registry: frozenset[str], values, graph: Graph | None,
                 missing: dict[str, str] | None = None):
        self.registry = registry
        self.missing = missing or {}  # op -> why it is not available, if not "libkpu has no"
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
            if not (is_getitem(user) and user.args[1] == 0):
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
            raise NotLowerable(self.missing.get(op, f"libkpu has no '{op}'"))
        # "." never occurs in an FX node name, so these cannot collide with another node's
        # (once, a select's second op, "select_1", clashed with the next select call).
        base = self._node.name if self._emitted == 0 else f"{self._node.name}.{self._emitted}"
        self._emitted += 1
        names = [base] if outputs == 1 else [f"{base}.{i}" for i in range(outputs)]
        if self.graph is not None:
            self.graph.add_node(op, base, list(inputs), names, attrs or {})
        self.emitted_ops.append(op)
        return names[0] if outputs == 1 else names

    # --- driving -------------------------------------------------------------------------------

    def lower(self, node: torch.fx.Node) -> None:
        """Lowers one call_function node into env, or raises NotLowerable."""
        self._node, self._emitted = node, 0
        if is_shape_arithmetic(node):
            self.env[node] = None  # read through value(), never a KPU tensor
            return
        if is_getitem(node):
            source = self.env.get(node.args[0])
            if not isinstance(source, (tuple, list)):
                raise NotLowerable("getitem of a value that is not a KPU op's outputs")
            item = source[node.args[1]]
            if item is None:
                raise NotLowerable("an output the KPU op does not produce")
            self.env[node] = item if isinstance(item, (Tensor, Const)) else Tensor(item)
            return
        if foldable(node, self.env):
            self.env[node] = _fold(node, self.env)
            return
        entry = aten.entry_for(node.target)
        if entry is None:
            raise NotLowerable("no aten table entry")
        _check_dtypes(node, self, entry.dtypes)
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


def _check_dtypes(node, ctx: LoweringContext, accepted: tuple[torch.dtype, ...]) -> None:
    """Every tensor in and out must have a dtype the entry accepts (float32 only in this release,
    as libkpu's compiler emits). Outputs nobody reads (max_pool2d's int64 indices) do not
    count."""
    values = [ctx.value(n) for n in node.all_input_nodes]
    out = ctx.value(node)
    if isinstance(out, (tuple, list)):
        used = {u.args[1] for u in node.users if is_getitem(u)}
        values += [v for i, v in enumerate(out) if i in used]
    else:
        values.append(out)
    for v in values:
        items = v if isinstance(v, (tuple, list)) else [v]
        for t in items:
            if isinstance(t, torch.Tensor) and t.dtype not in accepted:
                raise NotLowerable(f"dtype {str(t.dtype).replace('torch.', '')}")
