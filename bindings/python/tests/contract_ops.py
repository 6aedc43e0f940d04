"""The registry op names of the op contract (issue 5) that every layer agrees on."""

# Every registry op of the op contract (issue 5), by the name all layers agree on.
CONTRACT_OPS = frozenset({
    "conv2d", "conv_transpose2d", "batch_norm", "max_pool2d", "avg_pool2d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "relu", "sigmoid", "tanh", "silu", "hardswish",
    "hardsigmoid", "hardtanh", "leaky_relu", "gelu", "clamp", "add", "sub", "mul", "div",
    "concat", "split", "slice", "reshape", "permute", "mean", "sum", "amax", "pad",
    "upsample_nearest2d", "upsample_bilinear2d", "softmax", "log_softmax", "matmul", "linear",
})
