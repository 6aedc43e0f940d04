"""The torch lowering table and the C op registry describe the same ops (decision 1)."""

import sys

import pytest

import kpu
from kpu import fx_lowering

# Registry ops that no torch call lowers to directly because only compiler passes create them
# (fusion output, layout ops). Each entry needs a reason; none are needed today.
INTERNAL_OPS: dict[str, str] = {}


def test_every_registry_op_has_a_torch_lowering():
    missing = sorted(set(kpu.op_names()) - fx_lowering.LOWERED_OPS - set(INTERNAL_OPS))
    assert not missing, f"registry ops without a torch lowering: {missing}"


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
