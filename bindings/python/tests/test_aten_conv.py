"""Convolutions, batch norm, pooling and resizing through torch.compile(backend="kpu") on the real
libkpu, fast engine and DFX tile interpreter, against eager PyTorch: conv2d (stride, asymmetric
padding, dilation, groups, depthwise, with and without bias, weights as inputs), conv_transpose2d
(stride, padding, output_padding, groups, dilation), batch norm on its own (affine=False, after an
op it cannot fold into, 1-D), folded into a conv, max / avg / adaptive pools, upsampling."""

import sys

import pytest
import torch.nn as nn
import torch.nn.functional as F

from aten_check import Case, check_on_kpu, module, params


def conv(*args, **kwargs):
    return module(nn.Conv2d(*args, **kwargs))


def conv_t(*args, **kwargs):
    return module(nn.ConvTranspose2d(*args, **kwargs))


def bn(channels, **kwargs):
    return module(nn.BatchNorm2d(channels, **kwargs))


CONV = [
    Case("conv", conv(3, 4, 3), [(2, 3, 7, 6)], {"conv2d"}),
    Case("conv_no_bias", conv(3, 4, 3, bias=False), [(1, 3, 6, 6)], {"conv2d"}),
    Case("conv_stride_padding", conv(3, 5, 3, stride=2, padding=1), [(1, 3, 9, 8)], {"conv2d"}),
    Case("conv_rectangular", conv(3, 5, (3, 2), stride=(2, 1), padding=(1, 0)), [(1, 3, 9, 8)],
         {"conv2d"}),
    # F.pad before a conv is the asymmetric padding of the conv (a separate pad op on the KPU)
    Case("conv_asymmetric_padding", lambda x, w: F.conv2d(F.pad(x, (1, 2, 0, 1)), w),
         [(1, 3, 6, 5), (4, 3, 3, 3)], {"conv2d"}),
    Case("conv_same_even_kernel", conv(3, 4, 4, padding="same"), [(1, 3, 7, 7)], {"conv2d"}),
    Case("conv_dilation", conv(3, 4, 3, padding=2, dilation=2), [(1, 3, 8, 8)], {"conv2d"}),
    Case("conv_dilation_rectangular", conv(3, 4, (2, 3), stride=(1, 2), padding=(2, 1),
                                           dilation=(2, 1)), [(2, 3, 7, 9)], {"conv2d"}),
    Case("conv_padding_wider_than_kernel", conv(2, 3, 3, padding=3), [(1, 2, 4, 4)], {"conv2d"}),
    Case("conv_groups", conv(4, 6, 3, padding=1, groups=2), [(2, 4, 6, 6)], {"conv2d"}),
    Case("conv_groups_dilated_strided", conv(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
         [(2, 4, 9, 9)], {"conv2d"}),
    Case("conv_groups_no_bias", conv(6, 9, 3, stride=2, groups=3, bias=False), [(2, 6, 7, 7)],
         {"conv2d"}),
    Case("conv_depthwise", conv(4, 4, 3, padding=1, groups=4), [(1, 4, 7, 7)], {"conv2d"}),
    Case("conv_depthwise_multiplier", conv(3, 6, 3, stride=2, padding=1, groups=3, bias=False),
         [(1, 3, 8, 8)], {"conv2d"}),
    Case("conv_1x1", conv(8, 4, 1), [(2, 8, 5, 5)], {"conv2d"}),
    Case("conv_weights_as_inputs", lambda x, w, b: F.conv2d(x, w, b, padding=1),
         [(1, 3, 5, 5), (4, 3, 3, 3), (4,)], {"conv2d"}),
]

CONV_TRANSPOSE = [
    Case("conv_t", conv_t(4, 3, 3), [(1, 4, 5, 5)], {"conv_transpose2d"}),
    Case("conv_t_stride_output_padding", conv_t(4, 3, 3, stride=2, padding=1, output_padding=1),
         [(1, 4, 5, 5)], {"conv_transpose2d"}),
    Case("conv_t_no_bias", conv_t(4, 2, 4, stride=2, padding=1, bias=False), [(2, 4, 4, 3)],
         {"conv_transpose2d"}),
    Case("conv_t_groups", conv_t(4, 6, 3, stride=2, groups=2), [(1, 4, 4, 4)],
         {"conv_transpose2d"}),
    Case("conv_t_groups_no_bias", conv_t(4, 4, 3, stride=3, padding=1, groups=4, bias=False),
         [(2, 4, 3, 3)], {"conv_transpose2d"}),
    Case("conv_t_dilation", conv_t(3, 4, 3, padding=2, dilation=2), [(1, 3, 5, 6)],
         {"conv_transpose2d"}),
    Case("conv_t_dilation_output_padding", conv_t(2, 4, 3, stride=2, padding=1, output_padding=1,
                                                  dilation=2), [(1, 2, 4, 5)],
         {"conv_transpose2d"}),
    Case("conv_t_depthwise", conv_t(3, 3, 2, stride=2, groups=3), [(1, 3, 4, 4)],
         {"conv_transpose2d"}),
    Case("conv_t_rectangular", conv_t(3, 2, (3, 2), stride=(2, 3), padding=(1, 0),
                                      output_padding=(1, 2)), [(1, 3, 4, 4)],
         {"conv_transpose2d"}),
    Case("conv_t_1x1", conv_t(4, 3, 1), [(1, 4, 3, 3)], {"conv_transpose2d"}),
]

BATCH_NORM = [
    Case("batch_norm_no_affine", bn(4, affine=False), [(2, 4, 3, 3)], {"batch_norm"}),
    Case("batch_norm", bn(3), [(2, 3, 5, 4)], {"batch_norm"}),
    # After a relu (a conv's activation when fused) or a pool, there is nothing to fold into.
    Case("batch_norm_after_relu", nn.Sequential(conv(3, 4, 3), nn.ReLU(), bn(4)),
         [(1, 3, 6, 6)], {"conv2d", "batch_norm"}),
    Case("batch_norm_after_pool", nn.Sequential(nn.MaxPool2d(2), bn(3)), [(1, 3, 6, 6)],
         {"max_pool2d", "batch_norm"}),
    Case("batch_norm_1d", module(nn.BatchNorm1d(5)), [(3, 5)], {"batch_norm"}),
    Case("batch_norm_1d_sequence", module(nn.BatchNorm1d(3)), [(2, 3, 5)], {"batch_norm"}),
    # Folded: the program has the conv alone.
    Case("conv_bn_relu", nn.Sequential(conv(3, 4, 3, padding=1, bias=False), bn(4), nn.ReLU()),
         [(1, 3, 5, 5)], {"conv2d"}),
]

WINDOW = [
    Case("max_pool2d_ceil", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 8, 8)],
         {"max_pool2d"}, True),
    Case("max_pool2d_dilation", lambda x: F.max_pool2d(x, 2, 1, 1, dilation=2), [(1, 2, 7, 6)],
         {"max_pool2d"}, True),
    Case("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                              count_include_pad=False), [(1, 2, 8, 8)],
         {"avg_pool2d"}),
    Case("avg_pool2d_divisor", lambda x: F.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 6, 6)],
         {"avg_pool2d"}),
    Case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 3)), [(1, 2, 8, 8)],
         {"adaptive_avg_pool2d"}),
    Case("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2)), [(1, 2, 8, 7)],
         {"adaptive_max_pool2d"}, True),
    Case("upsample_bilinear", lambda x: F.interpolate(x, size=(7, 9), mode="bilinear")
         + F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True), [(1, 2, 4, 5)],
         {"upsample_bilinear2d"}),
    Case("upsample_nearest_size", lambda x: F.interpolate(x, size=(7, 9)), [(1, 2, 4, 5)],
         {"upsample_nearest2d"}, True),
    Case("upsample_nearest_scale", lambda x: F.interpolate(x, scale_factor=3), [(1, 2, 4, 5)],
         {"upsample_nearest2d"}, True),
]


@params(CONV)
def test_conv2d_matches_eager(case, engine):
    check_on_kpu(case, engine)


@params(CONV_TRANSPOSE)
def test_conv_transpose2d_matches_eager(case, engine):
    check_on_kpu(case, engine)


@params(BATCH_NORM)
def test_batch_norm_matches_eager(case, engine):
    check_on_kpu(case, engine)


@params(WINDOW)
def test_window_op_matches_eager(case, engine):
    check_on_kpu(case, engine)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
