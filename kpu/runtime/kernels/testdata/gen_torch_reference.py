# Generates torch_reference_values.inc: PyTorch outputs for the pooling and resize kernel tests,
# where the window and source-index rules are subtle enough that an independent loop could share
# a misreading. Run: python3 gen_torch_reference.py > torch_reference_values.inc
import torch, torch.nn.functional as F, math
def inp(shape):
    n = math.prod(shape)
    return torch.tensor([math.sin(i*0.37)*3 for i in range(n)], dtype=torch.float32).reshape(shape)
def arr(name, t):
    vals = ", ".join("%.9ef" % v for v in t.flatten().tolist())
    print("// %s: %s" % (name, tuple(t.shape)))
    print("const std::vector<float> k%s = {%s};" % (name, vals))
x = inp((1,2,7,7))
arr("MaxPoolCeilDil", F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True))
arr("MaxPoolCeil", F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
y = inp((1,1,6,6))
arr("AvgPoolCeilIncl", F.avg_pool2d(y, 3, 2, 1, ceil_mode=True, count_include_pad=True))
arr("AvgPoolCeilExcl", F.avg_pool2d(y, 3, 2, 1, ceil_mode=True, count_include_pad=False))
arr("AvgPoolCeilDrop", F.avg_pool2d(inp((1,1,5,5)), 2, 2, 1, ceil_mode=True))
arr("AvgPoolDivisor", F.avg_pool2d(y, 2, 2, 1, ceil_mode=False, divisor_override=3))
z = inp((1,2,5,7))
arr("AdaptiveAvg", F.adaptive_avg_pool2d(z, (3,4)))
arr("AdaptiveMax", F.adaptive_max_pool2d(z, (3,4)))
u = inp((1,1,3,5))
arr("Nearest74", F.interpolate(u, size=(7,4), mode="nearest"))
arr("Nearest610", F.interpolate(u, size=(6,10), mode="nearest"))
arr("BilinearFalse", F.interpolate(u, size=(5,7), mode="bilinear", align_corners=False))
arr("BilinearTrue", F.interpolate(u, size=(5,7), mode="bilinear", align_corners=True))
arr("BilinearDown", F.interpolate(inp((1,1,7,9)), size=(3,4), mode="bilinear", align_corners=False))
