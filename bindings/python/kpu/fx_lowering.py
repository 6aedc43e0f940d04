"""Lowers a torch.fx graph captured by Dynamo to a KPU Graph.

Dynamo hands a backend torch-level calls (torch._C._nn.linear, torch.nn.functional.relu,
operator.add, Tensor methods), not aten ops, and passes a module's parameters as extra
placeholders. The lowering table below maps each such call to one op of the registry in
libkpu (kpu/ir/ops_core.cc); a test checks the two stay in step (ARCHITECTURE.md decision 1).

Shapes come from the concrete tensors of a call, never from the traced graph, so one lowering
routine serves static and dynamic (SymInt) captures alike: the backend lowers once per distinct
input signature.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from typing import Any, Callable

import torch
import torch.fx
import torch.nn.functional as F

from .compiler import Graph
from .errors import CompilationError, UnsupportedOpError

# ------------------------------------------------------------------------------------------------
# Values during lowering
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    """A tensor of the KPU graph, by name."""
    name: str


@dataclass(frozen=True)
class _Out:
    """Output leaf: the KPU graph output of this name."""
    name: str


@dataclass(frozen=True)
class _Arg:
    """Output leaf: the call's own argument at this index (a graph input returned as is)."""
    index: int


@dataclass(frozen=True)
class _Const:
    """Output leaf: a value fixed at capture time."""
    value: Any


_TORCH_DTYPES = {
    torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int8: "int8", torch.uint8: "uint8", torch.int32: "int32", torch.int64: "int64",
    torch.bool: "bool",
}


def _dtype_name(t: torch.Tensor, what: str) -> str:
    if t.dtype not in _TORCH_DTYPES:
        raise CompilationError(f"{what} has dtype {t.dtype}, which the KPU does not have")
    return _TORCH_DTYPES[t.dtype]


def to_numpy(t: torch.Tensor):
    """The tensor's data as a C-contiguous numpy array on the CPU (a view when it can be)."""
    return t.detach().to("cpu").contiguous().numpy()


# ------------------------------------------------------------------------------------------------
# Reading FX nodes
# ------------------------------------------------------------------------------------------------


def _arg(node: torch.fx.Node, index: int, name: str, default=None):
    """Argument `name` at position `index`. Tensor methods put `self` at index 0, so one index
    serves torch.f(x, ...) and x.f(...)."""
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(name, default)


def _example(value):
    """The fake tensor (or SymInt) Dynamo recorded for an FX value, if any."""
    return value.meta.get("example_value") if isinstance(value, torch.fx.Node) else None


def _is_tensor(value) -> bool:
    """Whether an FX argument is a tensor. Unknown (no recorded example) counts as a tensor; the
    emitter rejects it later if it is not."""
    if not isinstance(value, torch.fx.Node):
        return False
    example = _example(value)
    return example is None or isinstance(example, torch.Tensor)


def _rank(value) -> int | None:
    example = _example(value)
    return example.dim() if isinstance(example, torch.Tensor) else None


def describe(node: torch.fx.Node, gm: torch.fx.GraphModule | None = None) -> str:
    """A name a PyTorch user recognizes: torch.nn.functional.gelu, torch.cat, operator.mul,
    Tensor.view, or a module's class name."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op == "call_module":
        try:
            return type(gm.get_submodule(node.target)).__name__
        except (AttributeError, TypeError):
            return str(node.target)
    return describe_target(node.target)


def describe_target(target) -> str:
    name = getattr(target, "__name__", None)
    if name is None:
        return str(target)
    for prefix, namespace in (("torch.nn.functional", F), ("torch", torch),
                              ("operator", operator)):
        if getattr(namespace, name, None) is target:
            return f"{prefix}.{name}"
    module = getattr(target, "__module__", None)
    return f"{module}.{name}" if module else name


# ------------------------------------------------------------------------------------------------
# The lowering table
# ------------------------------------------------------------------------------------------------


def _always(node: torch.fx.Node) -> str | None:
    return None


@dataclass(frozen=True)
class Lowering:
    op: str  # the registry op it produces
    emit: Callable[["_Emitter", torch.fx.Node], None]
    # Why this particular call cannot be lowered (None if it can). Looks only at the captured
    # graph, so unsupported calls are found before any shape is known.
    check: Callable[[torch.fx.Node], str | None] = _always


def _emit_linear(em: "_Emitter", node):
    inputs = [em.tensor(_arg(node, 0, "input"), node), em.tensor(_arg(node, 1, "weight"), node)]
    bias = _arg(node, 2, "bias")
    if bias is not None:
        inputs.append(em.tensor(bias, node))
    em.node("linear", node, inputs)


def _emit_relu(em: "_Emitter", node):
    # F.relu's `inplace` does not matter: the KPU graph is functional and Dynamo only captures
    # an in-place relu on a value nothing else reads.
    em.node("relu", node, [em.tensor(_arg(node, 0, "input"), node)])


def _softmax_dtype(node):
    dtype = node.kwargs.get("dtype")
    if dtype is None:
        dtype = next((a for a in node.args if isinstance(a, torch.dtype)), None)
    return dtype


def _check_softmax(node) -> str | None:
    dtype = _softmax_dtype(node)
    if dtype is not None and dtype != torch.float32:
        return f"dtype={dtype}"
    dim = _arg(node, 1, "dim")
    if dim is not None and not isinstance(dim, int):
        return "dim that is not a constant int"
    return None


def _emit_softmax(em: "_Emitter", node):
    x = _arg(node, 0, "input")
    dim = _arg(node, 1, "dim")
    if dim is None:
        # F.softmax(x) without dim keeps PyTorch's legacy choice, so results match eager.
        rank = _rank(x)
        dim = 0 if rank in (0, 1, 3) else (1 if rank is not None else -1)
    em.node("softmax", node, [em.tensor(x, node)], {"axis": int(dim)})


def _check_matmul(node) -> str | None:
    a, b = _arg(node, 0, "input"), _arg(node, 1, "other")
    if not (_is_tensor(a) and _is_tensor(b)):
        return "non-tensor operand"
    ra, rb = _rank(a), _rank(b)
    if (ra is not None and ra < 2) or (rb is not None and rb != 2):
        return f"operands of rank {ra} and {rb}; the KPU matmul takes A of rank >= 2, B of rank 2"
    return None


def _emit_matmul(em: "_Emitter", node):
    a, b = _arg(node, 0, "input"), _arg(node, 1, "other")
    em.node("matmul", node, [em.tensor(a, node), em.tensor(b, node)])


def _check_add(node) -> str | None:
    if not (_is_tensor(_arg(node, 0, "input")) and _is_tensor(_arg(node, 1, "other"))):
        return "scalar operand"
    if node.kwargs.get("alpha", 1) != 1:
        return "alpha != 1"
    return None


def _emit_add(em: "_Emitter", node):
    a, b = _arg(node, 0, "input"), _arg(node, 1, "other")
    em.node("add", node, [em.tensor(a, node), em.tensor(b, node)])


_LINEAR = Lowering("linear", _emit_linear)
_RELU = Lowering("relu", _emit_relu)
_SOFTMAX = Lowering("softmax", _emit_softmax, _check_softmax)
_MATMUL = Lowering("matmul", _emit_matmul, _check_matmul)
_ADD = Lowering("add", _emit_add, _check_add)

# call_function targets. F.linear is torch._C._nn.linear today; both are listed in case a
# release wraps one of them.
FUNCTION_LOWERINGS: dict[Any, Lowering] = {
    torch._C._nn.linear: _LINEAR,
    F.linear: _LINEAR,
    torch.relu: _RELU,
    F.relu: _RELU,
    torch.softmax: _SOFTMAX,
    F.softmax: _SOFTMAX,
    torch.matmul: _MATMUL,
    operator.matmul: _MATMUL,
    torch.mm: _MATMUL,
    operator.add: _ADD,
    torch.add: _ADD,
}

# call_method targets (x.relu(), x.softmax(dim), ...).
METHOD_LOWERINGS: dict[str, Lowering] = {
    "relu": _RELU,
    "softmax": _SOFTMAX,
    "matmul": _MATMUL,
    "mm": _MATMUL,
    "add": _ADD,
}

# Every entry by the name a user knows it by, e.g. "torch.nn.functional.relu", "Tensor.add".
LOWERING_TABLE: dict[str, Lowering] = {
    **{describe_target(t): lowering for t, lowering in FUNCTION_LOWERINGS.items()},
    **{f"Tensor.{m}": lowering for m, lowering in METHOD_LOWERINGS.items()},
}

# The registry ops this table can produce.
LOWERED_OPS = frozenset(lowering.op for lowering in LOWERING_TABLE.values())


def lowering_for(node: torch.fx.Node) -> Lowering | None:
    if node.op == "call_function":
        try:
            return FUNCTION_LOWERINGS.get(node.target)
        except TypeError:  # an unhashable target has no entry
            return None
    if node.op == "call_method":
        return METHOD_LOWERINGS.get(node.target)
    return None  # Dynamo inlines modules; a call_module comes from other tracers


def unsupported_ops(gm: torch.fx.GraphModule) -> list[str]:
    """Every call in `gm` that cannot be lowered, each named once, in graph order."""
    found: list[str] = []
    for node in gm.graph.nodes:
        if node.op not in ("call_function", "call_method", "call_module"):
            continue
        lowering = lowering_for(node)
        if lowering is None:
            entry = describe(node, gm)
        else:
            reason = lowering.check(node)
            if reason is None:
                continue
            entry = f"{describe(node, gm)} ({reason})"
        if entry not in found:
            found.append(entry)
    return found


# ------------------------------------------------------------------------------------------------
# Emission
# ------------------------------------------------------------------------------------------------


class _Emitter:
    def __init__(self, graph_name: str):
        self.graph = Graph(graph_name)
        self.env: dict[torch.fx.Node, Any] = {}
        self._outputs: list[str] = []

    def tensor(self, value, user: torch.fx.Node) -> str:
        """The KPU tensor name of an FX argument of `user`."""
        held = self.env.get(value) if isinstance(value, torch.fx.Node) else value
        if not isinstance(held, _Tensor):
            raise UnsupportedOpError([f"{describe(user)} (non-tensor operand)"])
        return held.name

    def node(self, op: str, fx_node: torch.fx.Node, inputs: list[str], attrs=None) -> None:
        # FX names are unique identifiers, so they serve as KPU node and tensor names.
        self.graph.add_node(op, fx_node.name, inputs, [fx_node.name], attrs or {})
        self.env[fx_node] = _Tensor(fx_node.name)

    def constant(self, fx_node: torch.fx.Node, value: torch.Tensor) -> None:
        _dtype_name(value, f"constant {fx_node.name}")
        self.graph.add_constant(fx_node.name, to_numpy(value))
        self.env[fx_node] = _Tensor(fx_node.name)

    def output_leaf(self, value, arg_index: dict[torch.fx.Node, int]):
        if not isinstance(value, torch.fx.Node):
            return _Const(value)
        if value in arg_index:
            return _Arg(arg_index[value])
        held = self.env.get(value)
        if isinstance(held, _Tensor):
            if held.name not in self._outputs:
                self.graph.add_output(held.name)
                self._outputs.append(held.name)
            return _Out(held.name)
        return _Const(held)


@dataclass
class LoweredGraph:
    graph: Graph
    inputs: list[tuple[int, str]]  # (index into the call's args, KPU graph input name)
    outputs: list[str]  # KPU graph outputs
    template: Any  # gm's output structure, with _Out / _Arg / _Const leaves

    def assemble(self, outputs: dict, args, device) -> Any:
        """gm's return value from the KPU outputs {name: ndarray} and the call's args."""
        def leaf(x):
            if isinstance(x, _Out):
                return torch.from_numpy(outputs[x.name]).to(device)
            if isinstance(x, _Arg):
                return args[x.index]
            if isinstance(x, _Const):
                return x.value
            return x
        return torch.fx.node.map_aggregate(self.template, leaf)


def _fetch_attr(gm: torch.fx.GraphModule, target: str):
    return functools.reduce(getattr, target.split("."), gm)


def lower(gm: torch.fx.GraphModule, args, name: str = "torch_graph") -> LoweredGraph:
    """The KPU graph of `gm` for the concrete `args` of one call.

    Parameters become graph constants (their data copied now); other tensors become graph
    inputs; SymInt sizes and other Python values are not graph data. Raises UnsupportedOpError
    naming every call that has no lowering.
    """
    unsupported = unsupported_ops(gm)
    if unsupported:
        raise UnsupportedOpError(unsupported)

    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != len(args):
        raise CompilationError(f"the captured graph takes {len(placeholders)} arguments, "
                               f"the call passed {len(args)}")
    em = _Emitter(name)
    inputs: list[tuple[int, str]] = []
    arg_index: dict[torch.fx.Node, int] = {}
    for i, (node, arg) in enumerate(zip(placeholders, args)):
        if isinstance(arg, torch.nn.Parameter):
            em.constant(node, arg)
            arg_index[node] = i
        elif isinstance(arg, torch.Tensor):
            em.graph.add_input(node.name, list(arg.shape), _dtype_name(arg, f"input {node.name}"))
            em.env[node] = _Tensor(node.name)
            inputs.append((i, node.name))
            arg_index[node] = i
        else:
            em.env[node] = arg

    template = None
    for node in gm.graph.nodes:
        if node.op == "get_attr":
            value = _fetch_attr(gm, node.target)
            if isinstance(value, torch.Tensor):
                em.constant(node, value)
            else:
                em.env[node] = value
        elif node.op in ("call_function", "call_method"):
            lowering_for(node).emit(em, node)
        elif node.op == "output":
            template = torch.fx.node.map_aggregate(
                node.args[0], lambda v: em.output_leaf(v, arg_index))
    return LoweredGraph(em.graph, inputs, list(em._outputs), template)
