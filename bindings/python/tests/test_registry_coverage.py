"""The aten table (kpu/aten/) and libkpu's op registry describe the same ops (decision 1), with
the names of the op contract."""

import sys

import pytest
import torch

import kpu
from kpu import aten

from contract_ops import CONTRACT_OPS

# Registry ops that no aten op lowers to because only compiler passes create them (fusion
# output, layout ops). Each entry needs a reason; none are needed today.
INTERNAL_OPS: dict[str, str] = {}


def test_every_registry_op_has_an_aten_entry():
    missing = sorted(set(kpu.op_names()) - aten.registry_ops() - set(INTERNAL_OPS))
    assert not missing, f"registry ops without an aten table entry: {missing}"


def test_every_entry_targets_a_contract_op():
    bad = {str(o): e.ops for o, e in aten.TABLE.items() if not set(e.ops) <= CONTRACT_OPS}
    assert not bad, f"aten entries producing ops outside the contract: {bad}"


def test_the_registry_is_the_contract():
    registry = set(kpu.op_names())
    assert registry - set(INTERNAL_OPS) == CONTRACT_OPS, (
        f"missing from libkpu: {sorted(CONTRACT_OPS - registry)}, "
        f"not in the contract: {sorted(registry - CONTRACT_OPS - set(INTERNAL_OPS))}")


def test_every_contract_op_has_an_aten_entry():
    assert CONTRACT_OPS - aten.registry_ops() == set()


def test_internal_ops_exist():
    assert set(INTERNAL_OPS) <= set(kpu.op_names())


def test_entries_are_keyed_on_overloads():
    for overload, entry in aten.TABLE.items():
        assert isinstance(overload, torch._ops.OpOverload), overload
        assert entry.overload is overload


@pytest.mark.parametrize("name", ["aten.convolution.default",
                                  "aten._native_batch_norm_legit_no_training.default",
                                  "aten.max_pool2d_with_indices.default", "aten.addmm.default",
                                  "aten.hardtanh.default", "aten.split_with_sizes.default",
                                  "aten.cat.default", "aten._softmax.default",
                                  "kpu.upsample_nearest2d.default", "aten.mean.dim",
                                  "kpu.matmul.default", "aten.select.int", "aten.max.dim"])
def test_table_has_the_spellings_cnns_use(name):
    assert name in {str(o) for o in aten.TABLE}


def test_kept_ops_survive_decomposition():
    table = aten.decompositions()
    for overload, entry in aten.TABLE.items():
        if entry.keep:
            assert overload not in table, overload
    # and the rest of core aten still decomposes
    assert torch.ops.aten.t.default in table


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
