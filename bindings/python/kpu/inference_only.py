"""The KPU backend runs inference only; training use is refused up front with a clear error
instead of outputs silently detached from autograd.

The rule: a call is refused when grad mode is on and any input or parameter of the graph
requires grad (an eval model's parameters do by default: run it under torch.no_grad() or
torch.inference_mode()), or when the graph does something only training does: batch norm or
dropout with training=True, or an in-place update of a parameter or buffer.
"""

from __future__ import annotations

import torch
import torch.fx
import torch.nn.functional as F

from .errors import InferenceOnlyError

PREFIX = "the KPU backend is inference-only: "

# torch functions with a `training` flag, and its position.
_TRAINING_ARG = {
    F.batch_norm: (5, "batch norm in training mode"),
    F.dropout: (2, "dropout in training mode"),
    F.dropout1d: (2, "dropout in training mode"),
    F.dropout2d: (2, "dropout in training mode"),
    F.dropout3d: (2, "dropout in training mode"),
    F.alpha_dropout: (2, "dropout in training mode"),
    F.feature_alpha_dropout: (2, "dropout in training mode"),
}


def _where(node: torch.fx.Node) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path, cls = list(stack.values())[-1]
        name = getattr(cls, "__name__", None) or str(cls).rsplit(".", 1)[-1].strip("'>")
        return f"{path} ({name})"
    return node.name


def _source(node: torch.fx.Node) -> str:
    grapharg = node.meta.get("grapharg")
    if grapharg is not None and grapharg.source is not None:
        return grapharg.source.name
    return node.name


def check(gm: torch.fx.GraphModule, example_inputs) -> None:
    """Raises InferenceOnlyError if this Dynamo graph is being used for training."""
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if torch.is_grad_enabled():
        needs_grad = [_source(n) for n, x in zip(placeholders, example_inputs)
                      if isinstance(x, torch.Tensor) and x.requires_grad]
        if needs_grad:
            shown = ", ".join(needs_grad[:4]) + (", ..." if len(needs_grad) > 4 else "")
            raise InferenceOnlyError(
                PREFIX + f"{len(needs_grad)} input(s)/parameter(s) require grad while grad mode "
                f"is on ({shown}). Call the model under torch.no_grad() or "
                "torch.inference_mode(), or requires_grad_(False) its parameters and inputs.")
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target in _TRAINING_ARG:
            index, what = _TRAINING_ARG[node.target]
            training = node.args[index] if len(node.args) > index else \
                node.kwargs.get("training", node.kwargs.get("use_input_stats", False))
            if training is True:
                raise InferenceOnlyError(PREFIX + f"{what} at {_where(node)}; call model.eval() "
                                         "before compiling it for the KPU.")
    # Checked after the functions above, which name the cause more plainly.
    for node in gm.graph.nodes:
        if node.op == "call_method" and str(node.target).endswith("_") and node.args \
                and isinstance(node.args[0], torch.fx.Node):
            source = _source(node.args[0])
            if "._buffers[" in source or "._parameters[" in source:
                raise InferenceOnlyError(
                    PREFIX + f"{node.target} updates {source} in place at {_where(node)} (a "
                    "module in training mode?); call model.eval() before compiling it for the "
                    "KPU.")
