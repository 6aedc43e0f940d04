"""The aten table (kpu/aten/) and libkpu's op registry describe the same ops (decision 1), with
the names of the op contract, and the table says which dtypes each op's converters take
(STYLE.md "Kernels keyed by dtype"; the C++ side walks (op x dtype) x layer in
tests/op_coverage_test.cc)."""

import sys

import pytest
import torch
import torch.fx

import kpu
from kpu import aten
from kpu.aten_lowering import LoweringContext, Tensor
from kpu.support import _meta_value

from contract_ops import CONTRACT_OPS

# The dtypes libkpu's compiler emits in this release (kpu/compiler/emitted_dtypes.h): an aten
# entry accepting another would hand libkpu a graph it refuses.
COMPILED_DTYPES = frozenset({torch.float32})

# Every torch dtype a model may carry into the backend, quantized storage aside.
TORCH_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.uint8,
                torch.int16, torch.int32, torch.int64, torch.bool]

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


def test_each_registry_op_lists_the_dtypes_its_aten_converters_take():
    by_op = aten.dtypes_by_registry_op()
    assert set(by_op) == aten.registry_ops()
    beyond = {op: sorted(str(d) for d in dtypes - COMPILED_DTYPES) for op, dtypes in by_op.items()
              if not dtypes <= COMPILED_DTYPES}
    assert not beyond, (f"aten entries accept dtypes libkpu's compiler does not emit: {beyond}; "
                        "compile them in libkpu first (kpu/compiler/emitted_dtypes.h), then list them "
                        "in the entry's dtypes= (kpu/aten/<family>.py)")
    missing = sorted(op for op, dtypes in by_op.items() if torch.float32 not in dtypes)
    assert not missing, f"registry ops no aten entry lowers in float32: {missing}"


def _call_on(overload, dtype):
    """A one-node FX graph calling `overload` on a [2, 3, 4, 5] tensor of `dtype`, typed as the
    support pass sees it (meta values), and its lowering context."""
    graph = torch.fx.Graph()
    x = graph.placeholder("x")
    x.meta["val"] = torch.empty(2, 3, 4, 5, dtype=dtype)
    node = graph.call_function(overload, (x,))
    node.meta["val"] = torch.empty(2, 3, 4, 5, dtype=dtype)
    ctx = LoweringContext(frozenset(kpu.op_names()), _meta_value, None)
    ctx.env[x] = Tensor("x")
    return ctx, node


@pytest.mark.parametrize("dtype", [d for d in TORCH_DTYPES if d is not torch.float32],
                         ids=lambda d: str(d).replace("torch.", ""))
def test_every_aten_entry_refuses_the_dtypes_it_does_not_list(dtype):
    """Whatever the converter, a call on a dtype the entry does not list falls back with the
    dtype as the reason, before the converter reads any argument."""
    wrong = {}
    for overload, entry in aten.TABLE.items():
        if dtype in entry.dtypes:
            continue
        ctx, node = _call_on(overload, dtype)
        with pytest.raises(aten.NotLowerable) as refused:
            ctx.lower(node)
        reason = str(refused.value)
        if reason != f"dtype {str(dtype).replace('torch.', '')}":
            wrong[str(overload)] = reason
    assert not wrong, f"entries that did not refuse {dtype} by its name: {wrong}"


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
