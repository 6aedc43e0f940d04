"""The registry op names of the op contract (issue 5), pinned here as the spec: libkpu's registry
must have exactly these (test_registry_coverage.py), and every aten table entry emits only them.
Not a stand-in for libkpu: the ops' values are checked on the real library by test_aten_*.py."""

CONTRACT_OPS = frozenset({
    "conv2d", "conv_transpose2d", "batch_norm", "max_pool2d", "avg_pool2d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "relu", "sigmoid", "tanh", "silu", "hardswish",
    "hardsigmoid", "hardtanh", "leaky_relu", "gelu", "clamp", "add", "sub", "mul", "div",
    "concat", "split", "slice", "reshape", "permute", "mean", "sum", "amax", "pad",
    "upsample_nearest2d", "upsample_bilinear2d", "softmax", "log_softmax", "matmul", "linear",
})
