"""A reference evaluator of KPU graphs (their JSON form), op by op as the op contract defines
each op in torch terms. Tests run lowered graphs through it to check that the aten converters
produce the contract's inputs and attributes, independently of which ops libkpu has yet."""

from __future__ import annotations

import base64
import json

import numpy as np
import torch
import torch.nn.functional as F

_ACTIVATIONS = {
    "none": lambda y: y, "relu": F.relu, "relu6": F.relu6, "silu": F.silu,
    "hardswish": F.hardswish, "sigmoid": torch.sigmoid,
}


def _attr(value):
    if "s" in value:
        return value["s"]
    if "f" in value:
        return float(value["f"])
    if "i" in value:
        return int(value["i"])
    if "ints" in value:
        return [int(v) for v in value["ints"].get("values", [])]
    if "floats" in value:
        return [float(v) for v in value["floats"].get("values", [])]
    raise ValueError(f"unknown attribute {value}")


def _pads_to_torch(pads):
    rank = len(pads) // 2
    out = []
    for d in reversed(range(rank)):
        out += [pads[d], pads[rank + d]]
    return out


def _conv2d(x, w, bias=None, residual=None, stride=(1, 1), padding=(0, 0, 0, 0),
            dilation=(1, 1), groups=1, activation="none"):
    top, left, bottom, right = padding
    y = F.conv2d(F.pad(x, (left, right, top, bottom)), w, bias, stride, 0, dilation, groups)
    if residual is not None:
        y = y + residual
    return _ACTIVATIONS[activation](y)


def _matmul(a, b, bias=None, transpose_b=0, activation="none"):
    y = torch.matmul(a, b.transpose(-1, -2) if transpose_b else b)
    if bias is not None:
        y = y + bias
    return _ACTIVATIONS[activation](y)


def _split(x, axis, sizes):
    return list(torch.split(x, sizes, axis))


def _slice(x, axis, start, end, step=1):
    index = [slice(None)] * x.dim()
    index[axis] = slice(start, end, step)
    return x[tuple(index)]


def _reduce(fn):
    def run(x, axes, keepdim=0):
        return fn(x, dim=axes, keepdim=bool(keepdim))
    return run


OPS = {
    "conv2d": _conv2d,
    "conv_transpose2d": lambda x, w, bias=None, stride=(1, 1), padding=(0, 0),
    output_padding=(0, 0), dilation=(1, 1), groups=1: F.conv_transpose2d(
        x, w, bias, stride, padding, output_padding, groups, dilation),
    "batch_norm": lambda x, w, b, mean, var, epsilon=1e-5: F.batch_norm(
        x, mean, var, w, b, False, 0.0, epsilon),
    "max_pool2d": lambda x, kernel, stride=None, padding=(0, 0), dilation=(1, 1), ceil_mode=0:
        F.max_pool2d(x, kernel, stride or kernel, padding, dilation, bool(ceil_mode)),
    "avg_pool2d": lambda x, kernel, stride=None, padding=(0, 0), ceil_mode=0,
    count_include_pad=1, divisor_override=0: F.avg_pool2d(
        x, kernel, stride or kernel, padding, bool(ceil_mode), bool(count_include_pad),
        divisor_override or None),
    "adaptive_avg_pool2d": lambda x, output_size: F.adaptive_avg_pool2d(x, output_size),
    "adaptive_max_pool2d": lambda x, output_size: F.adaptive_max_pool2d(x, output_size),
    "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu,
    "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid,
    "hardtanh": lambda x, min_val=-1.0, max_val=1.0: F.hardtanh(x, min_val, max_val),
    "leaky_relu": lambda x, negative_slope=0.01: F.leaky_relu(x, negative_slope),
    "gelu": lambda x, approximate="none": F.gelu(x, approximate=approximate),
    "clamp": lambda x, min=None, max=None: torch.clamp(x, min, max),
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "concat": lambda *xs, axis: torch.cat(xs, axis),
    "split": _split,
    "slice": _slice,
    "reshape": lambda x, shape: x.reshape(shape),
    "permute": lambda x, perm: x.permute(perm),
    "mean": _reduce(torch.mean), "sum": _reduce(torch.sum), "amax": _reduce(torch.amax),
    "pad": lambda x, pads, value=0.0: F.pad(x, _pads_to_torch(pads), value=value),
    "upsample_nearest2d": lambda x, output_size: F.interpolate(x, size=output_size,
                                                               mode="nearest"),
    "upsample_bilinear2d": lambda x, output_size, align_corners=0: F.interpolate(
        x, size=output_size, mode="bilinear", align_corners=bool(align_corners)),
    "softmax": lambda x, axis=-1: torch.softmax(x, axis),
    "log_softmax": lambda x, axis=-1: torch.log_softmax(x, axis),
    "matmul": _matmul,
    "linear": F.linear,
}


def evaluate(doc: dict, feeds: dict) -> dict:
    """The graph's outputs {name: ndarray} for inputs {name: ndarray}."""
    env = {}
    for t in doc.get("tensors", []):
        if "raw_data" in t:
            shape = [int(d) for d in t.get("shape", [])]
            data = np.frombuffer(base64.b64decode(t["raw_data"]), np.float32).reshape(shape)
            env[t["name"]] = torch.from_numpy(data.copy())
    env.update({k: torch.from_numpy(np.asarray(v)) for k, v in feeds.items()})
    for node in doc["nodes"]:
        attrs = {k: _attr(v) for k, v in node.get("attributes", {}).items()}
        args = [env[i] for i in node["inputs"]]
        out = OPS[node["op_type"]](*args, **attrs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        assert len(outs) == len(node["outputs"]), node["name"]
        env.update(zip(node["outputs"], outs))
    return {name: env[name].numpy() for name in doc["outputs"]}


class ReferenceRuntime:
    """Stands in for kpu.Runtime over a graph compiled by `reference_compile`."""

    def __init__(self, program, config=None):
        self.doc = program

    def execute(self, feeds, mode=0, engine=0):
        return evaluate(self.doc, feeds)

    def metrics(self):
        return {"total_cycles": 1, "total_macs": 0}

    def metrics_json(self):
        return json.dumps({"op_metrics": [{"op_id": n["name"]} for n in self.doc["nodes"]]})

    def inputs(self):
        return list(self.doc["inputs"])


def reference_compile(graph, *args, **kwargs):
    """Stands in for kpu.compile_graph: the graph's JSON, for ReferenceRuntime."""
    return json.loads(graph.to_json())
