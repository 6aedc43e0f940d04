"""Layout ops through torch.compile(backend="kpu") on the real libkpu, fast engine and DFX tile
interpreter, against eager PyTorch: split / chunk (uneven too), slice (step > 1, negative start,
past the end), select, concat, permute / transpose (rank 4 and 5, negative dims), reshape / view /
flatten / squeeze / unsqueeze, and constant pad (asymmetric, non-zero value). Data movement is
exact, so most cases must be bit-identical (aten_check.Case.exact)."""

import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from aten_check import Case, check_on_kpu, params


class _CatWithParameter(nn.Module):
    """A frozen parameter between two activations in one cat."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.p = nn.Parameter(torch.randn(2, 1, 4))

    def forward(self, x):
        return torch.cat([x, self.p, x * 2], dim=-2)


def _scaled(parts):
    # Each part of a split scaled differently, so a part from the wrong place shows.
    return [t * (i + 1) for i, t in enumerate(parts)]


CASES = [
    # split / chunk
    Case("split_even", lambda x: _scaled(torch.split(x, 2, dim=1)), [(2, 6, 3)], {"split"}, True),
    Case("split_uneven", lambda x: _scaled(torch.split(x, 3, dim=-1)), [(2, 3, 8)], {"split"}, True),
    Case("split_sizes", lambda x: _scaled(torch.split(x, [1, 4, 2], dim=0)), [(7, 3)], {"split"},
         True),
    Case("chunk_uneven", lambda x: _scaled(torch.chunk(x, 3, dim=1)), [(2, 7, 2)], {"split"}, True),
    Case("chunk_negative_dim", lambda x: _scaled(torch.chunk(x, 2, dim=-2)), [(2, 5, 3)],
         {"split"}, True),
    Case("unbind", lambda x: _scaled(x.unbind(1)), [(2, 3, 4)], {"slice", "reshape"}, True),
    # slice / select / narrow
    Case("slice_step", lambda x: x[:, 1:7:3] * 2, [(2, 9)], {"slice"}, True),
    Case("slice_negative_start", lambda x: x[..., -3:] + x[..., -5:-2], [(2, 3, 7)], {"slice"},
         True),
    Case("slice_negative_start_step", lambda x: x[:, -6::2, 1:] * 3, [(2, 9, 4)], {"slice"}, True),
    Case("slice_past_the_end", lambda x: x[:, 2:100] * 2, [(2, 5)], {"slice"}, True),
    Case("slice_every_dim", lambda x: x[1:, ::2, -3::2] + 1, [(3, 5, 7)], {"slice"}, True),
    Case("slice_dim0", lambda x: x[1:3] + 1, [(4, 5)], {"slice"}, True),
    Case("select", lambda x: x[:, 0] + x[:, -1], [(2, 3, 4)], {"slice", "reshape"}, True),
    Case("narrow", lambda x: x.narrow(-1, 1, 3) * 2, [(2, 3, 5)], {"slice"}, True),
    # concat
    Case("concat", lambda a, b: torch.cat([a, b, a], dim=1), [(2, 3, 4), (2, 5, 4)], {"concat"},
         True),
    Case("concat_negative_dim", lambda a, b: torch.cat([a * 2, b], dim=-1),
         [(2, 3, 4), (2, 3, 1)], {"concat"}, True),
    Case("concat_dim0_many", lambda a, b, c: torch.cat([a, b, c, b]) + 1,
         [(1, 2), (2, 2), (3, 2)], {"concat"}, True),
    Case("concat_with_parameter", _CatWithParameter(), [(2, 3, 4)], {"concat"}, True),
    # permute / transpose
    Case("permute_rank4", lambda x: x.permute(0, 2, 3, 1).contiguous() * 2, [(2, 3, 4, 5)],
         {"permute"}, True),
    Case("permute_rank4_reversed", lambda x: x.permute(3, 1, 0, 2) + 1, [(2, 3, 4, 5)],
         {"permute"}, True),
    Case("permute_rank5", lambda x: x.permute(4, 2, 0, 3, 1) * 2, [(2, 3, 2, 3, 2)], {"permute"},
         True),
    Case("permute_negative_dims", lambda x: x.permute(-1, 0, -2) * 2, [(2, 3, 4)], {"permute"},
         True),
    Case("transpose", lambda x: x.transpose(1, 2).contiguous() + 1, [(2, 3, 4)], {"permute"}, True),
    Case("transpose_negative_dims", lambda x: x.transpose(-1, -3) * 2, [(2, 3, 4, 5)],
         {"permute"}, True),
    Case("t", lambda x: x.t() * 2, [(3, 4)], {"permute"}, True),
    # reshape family
    Case("reshape", lambda x: x.reshape(4, -1) + 1, [(2, 3, 4)], {"reshape"}, True),
    Case("view", lambda x: x.view(2, 12) * 2, [(2, 3, 4)], {"reshape"}, True),
    Case("view_after_permute", lambda x: x.permute(0, 2, 1).reshape(2, -1) + 1, [(2, 3, 4)],
         {"permute", "reshape"}, True),
    Case("flatten", lambda x: torch.flatten(x, 1) + 1, [(2, 3, 4, 5)], {"reshape"}, True),
    Case("flatten_middle", lambda x: torch.flatten(x, 1, 2) + 1, [(2, 3, 4, 5)], {"reshape"}, True),
    Case("squeeze_all", lambda x: x.squeeze() + 1, [(2, 1, 4, 1)], {"reshape"}, True),
    Case("squeeze_negative_dim", lambda x: x.squeeze(-1) + 1, [(2, 1, 4, 1)], {"reshape"}, True),
    Case("unsqueeze", lambda x: x.unsqueeze(1) + x.unsqueeze(-1), [(2, 3)], {"reshape", "add"},
         True),
    Case("identity_ops", lambda x: x.clone().detach() + 1, [(3,)], {"add"}, True),
    # constant pad
    Case("pad_last_two_asymmetric_value", lambda x: F.pad(x, (1, 2, 3, 0), value=-0.5),
         [(1, 2, 3, 4)], {"pad"}, True),
    Case("pad_last_dim", lambda x: F.pad(x, (0, 3)), [(2, 5)], {"pad"}, True),
    Case("pad_three_dims", lambda x: F.pad(x, (2, 1, 0, 1, 1, 0), value=2.0), [(2, 3, 4)], {"pad"},
         True),
    Case("pad_channels", lambda x: F.pad(x, (0, 0, 0, 0, 1, 2), value=3.0), [(1, 2, 3, 4)],
         {"pad"}, True),
    Case("pads_summed", lambda x: F.pad(x, (1, 2, 0, 3)) + 1 + F.pad(x, (2, 1, 3, 0), value=0.5),
         [(1, 2, 3, 4)], {"pad", "add"}, True),
]


@params(CASES)
def test_layout_op_matches_eager(case, engine):
    check_on_kpu(case, engine)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
