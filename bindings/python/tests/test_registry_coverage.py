"""The torch lowering table and the C op registry describe the same ops (decision 1)."""

import sys

import pytest

import kpu
from kpu import fx_lowering

# Registry ops that no torch call lowers to directly because only compiler passes create them
# (fusion output, layout ops). Each entry needs a reason; none are needed today.
INTERNAL_OPS: dict[str, str] = {}

# Known gap, may only shrink: ops of the CNN contract (issue 5) the registry has and this FX-level
# table does not lower yet. The aten-level lowering replaces the table, and this list with it.
AWAITING_TORCH_LOWERING = {
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "amax", "avg_pool2d", "batch_norm", "clamp",
    "concat", "conv2d", "conv_transpose2d", "div", "gelu", "hardsigmoid", "hardswish", "hardtanh",
    "leaky_relu", "log_softmax", "max_pool2d", "mean", "mul", "pad", "permute", "reshape",
    "sigmoid", "silu", "slice", "split", "sub", "sum", "tanh", "upsample_bilinear2d",
    "upsample_nearest2d",
}


def test_every_registry_op_has_a_torch_lowering():
    missing = sorted(set(kpu.op_names()) - fx_lowering.LOWERED_OPS - set(INTERNAL_OPS)
                     - AWAITING_TORCH_LOWERING)
    assert not missing, f"registry ops without a torch lowering: {missing}"
    lowered_now = sorted(AWAITING_TORCH_LOWERING & fx_lowering.LOWERED_OPS)
    assert not lowered_now, f"remove from AWAITING_TORCH_LOWERING: {lowered_now}"


def test_every_lowering_produces_a_registry_op():
    registry = set(kpu.op_names())
    bad = {name: low.op for name, low in fx_lowering.LOWERING_TABLE.items()
           if low.op not in registry}
    assert not bad, f"lowerings producing ops the registry lacks: {bad}"


def test_internal_ops_exist():
    assert set(INTERNAL_OPS) <= set(kpu.op_names())


def test_table_names_are_what_users_write():
    for name in ("torch.nn.functional.linear", "torch.nn.functional.relu", "torch.relu",
                 "torch.softmax", "torch.nn.functional.softmax", "torch.matmul",
                 "operator.matmul", "torch.mm", "operator.add", "torch.add", "Tensor.relu",
                 "Tensor.softmax", "Tensor.add"):
        assert name in fx_lowering.LOWERING_TABLE, name


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
