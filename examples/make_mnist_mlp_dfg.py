"""Writes examples/mnist_mlp.dfg.json and its weights file from a seeded PyTorch MLP.

The .dfg is the human-writable graph format: the protobuf JSON form of kpu.ir.Graph. Weights live
in a raw little-endian float32 file referenced through `external_data`, so the JSON stays short.

    python3 examples/make_mnist_mlp_dfg.py
"""
import json
import pathlib

import torch

HERE = pathlib.Path(__file__).resolve().parent


def mnist_mlp(seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10), torch.nn.Softmax(dim=-1),
    ).eval()


def main(batch: int = 1) -> None:
    model = mnist_mlp()
    weights_path = HERE / "mnist_mlp.weights.bin"
    tensors = [{"name": "x", "dtype": "FLOAT32", "shape": [batch, 784]}]
    nodes = []
    offset = 0
    blob = bytearray()
    prev = "x"
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for i, layer in enumerate(linears, start=1):
        for kind, param in (("weight", layer.weight), ("bias", layer.bias)):
            data = param.detach().contiguous().numpy().astype("<f4").tobytes()
            tensors.append({
                "name": f"fc{i}.{kind}", "dtype": "FLOAT32", "shape": list(param.shape),
                "external_data": {"path": weights_path.name, "offset": offset, "length": len(data)},
            })
            blob += data
            offset += len(data)
        nodes.append({"name": f"fc{i}", "op_type": "linear",
                      "inputs": [prev, f"fc{i}.weight", f"fc{i}.bias"], "outputs": [f"h{i}"]})
        prev = f"h{i}"
        if i < len(linears):
            nodes.append({"name": f"relu{i}", "op_type": "relu", "inputs": [prev], "outputs": [f"a{i}"]})
            prev = f"a{i}"
    nodes.append({"name": "softmax", "op_type": "softmax", "inputs": [prev], "outputs": ["probs"],
                  "attributes": {"axis": {"i": -1}}})
    graph = {"name": "mnist_mlp", "inputs": ["x"], "outputs": ["probs"], "tensors": tensors, "nodes": nodes}
    weights_path.write_bytes(bytes(blob))
    (HERE / "mnist_mlp.dfg.json").write_text(json.dumps(graph, indent=2) + "\n")
    print(f"wrote {HERE / 'mnist_mlp.dfg.json'} and {weights_path} ({len(blob)} bytes)")


if __name__ == "__main__":
    main()
