"""Writes the ONNX fixtures of @mlinfra/serving's tests, and Python onnxruntime's answers for them.

Run once by hand (tests never need Python):

    python3 -m venv /tmp/onnx-venv
    /tmp/onnx-venv/bin/pip install torch onnx onnxruntime numpy
    /tmp/onnx-venv/bin/python packages/serving/scripts/make-onnx-fixtures.py

Each fixture is `<name>.onnx` plus `<name>.json`: `{ inputs, outputs }` as KServe V2 tensors
(`name`, `datatype`, `shape`, flat row-major `data`); `outputs` are what Python's onnxruntime
returned for `inputs` (CPU provider, all graph optimizations).
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
import torch
from onnx import TensorProto, helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "__fixtures__", "onnx")
ROWS = 5

V2 = {
    np.dtype("float32"): "FP32",
    np.dtype("float64"): "FP64",
    np.dtype("int8"): "INT8",
    np.dtype("int16"): "INT16",
    np.dtype("int32"): "INT32",
    np.dtype("int64"): "INT64",
    np.dtype("uint8"): "UINT8",
    np.dtype("uint16"): "UINT16",
    np.dtype("uint32"): "UINT32",
    np.dtype("uint64"): "UINT64",
    np.dtype("bool"): "BOOL",
}


def v2_tensor(name, array):
    array = np.asarray(array)
    if array.dtype.kind in ("U", "O", "S"):
        datatype = "BYTES"
        data = [str(value) for value in array.reshape(-1).tolist()]
    else:
        datatype = V2[array.dtype]
        data = array.reshape(-1).tolist()
    return {"name": name, "datatype": datatype, "shape": list(array.shape), "data": data}


def export_torch(module, name, args, input_names, output_names, batched=True, dynamic=None):
    module.eval()
    path = os.path.join(OUT, f"{name}.onnx")
    if dynamic is None and batched:
        dynamic = {key: {0: "batch"} for key in input_names + output_names}
    torch.onnx.export(
        module,
        args,
        path,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic,
        opset_version=17,
        dynamo=False,
    )
    return path


def reference(name, path, feeds):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    results = session.run(None, feeds)
    names = [output.name for output in session.get_outputs()]
    document = {
        "model": f"{name}.onnx",
        "inputs": [v2_tensor(key, value) for key, value in feeds.items()],
        "outputs": [v2_tensor(key, value) for key, value in zip(names, results)],
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as file:
        json.dump(document, file, indent=1)
        file.write("\n")
    print(name, os.path.getsize(path), "bytes")


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3), torch.nn.Softmax(dim=1)
        )

    def forward(self, features):
        return self.net(features)


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.head = torch.nn.Linear(4 * 4 * 4, 2)

    def forward(self, image):
        hidden = self.pool(torch.relu(self.conv(image)))
        return self.head(torch.flatten(hidden, 1))


class TwoInTwoOut(torch.nn.Module):
    """Two inputs of two element types (FP32, FP64) and two outputs."""

    def __init__(self):
        super().__init__()
        self.left = torch.nn.Linear(4, 1)
        self.right = torch.nn.Linear(2, 2).double()

    def forward(self, numeric, extra):
        score = torch.sigmoid(self.left(numeric) + extra.sum(dim=1, keepdim=True).float())
        embedding = torch.tanh(self.right(extra))
        return score, embedding


class IdsAndMask(torch.nn.Module):
    """An INT64 input (token ids) and a BOOL input (a mask)."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 4)

    def forward(self, ids, mask):
        vectors = self.embedding(ids) * mask.unsqueeze(-1).float()
        return vectors.sum(dim=1), mask.sum(dim=1)


class Unbatched(torch.nn.Module):
    """Fixed shape [4, 3] in, [3] out: a whole table at once, no batch dimension."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0]))

    def forward(self, table):
        return (table * self.scale).mean(dim=0)


class Sequence(torch.nn.Module):
    """A dynamic length after the batch dimension: [batch, length] in, [batch] out."""

    def forward(self, tokens):
        return torch.tanh(tokens).sum(dim=1)


def string_model(path):
    """A hand-built graph on string (BYTES) tensors: ai.onnx.ml LabelEncoder and Identity."""
    text = helper.make_tensor_value_info("text", TensorProto.STRING, ["batch"])
    label = helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])
    echo = helper.make_tensor_value_info("echo", TensorProto.STRING, ["batch"])
    encoder = helper.make_node(
        "LabelEncoder",
        ["text"],
        ["label"],
        domain="ai.onnx.ml",
        keys_strings=["cat", "dog", "bird"],
        values_int64s=[0, 1, 2],
        default_int64=-1,
    )
    identity = helper.make_node("Identity", ["text"], ["echo"])
    graph = helper.make_graph([encoder, identity], "strings", [text], [label, echo])
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


INTEGER_TYPES = [
    ("int8", TensorProto.INT8),
    ("int16", TensorProto.INT16),
    ("int32", TensorProto.INT32),
    ("int64", TensorProto.INT64),
    ("uint8", TensorProto.UINT8),
    ("uint16", TensorProto.UINT16),
    ("uint32", TensorProto.UINT32),
    ("uint64", TensorProto.UINT64),
]


def dtypes_model(path):
    """A hand-built graph taking every integer type (plus FP64): each echoed and all summed."""
    inputs, outputs, nodes, casts = [], [], [], []
    for name, proto in INTEGER_TYPES + [("fp64", TensorProto.DOUBLE)]:
        inputs.append(helper.make_tensor_value_info(f"x_{name}", proto, ["batch", 2]))
        outputs.append(helper.make_tensor_value_info(f"y_{name}", proto, ["batch", 2]))
        nodes.append(helper.make_node("Identity", [f"x_{name}"], [f"y_{name}"]))
        nodes.append(helper.make_node("Cast", [f"x_{name}"], [f"c_{name}"], to=TensorProto.DOUBLE))
        casts.append(f"c_{name}")
    nodes.append(helper.make_node("Sum", casts, ["total"]))
    outputs.append(helper.make_tensor_value_info("total", TensorProto.DOUBLE, ["batch", 2]))
    graph = helper.make_graph(nodes, "dtypes", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20)
    generator = np.random.default_rng(20)

    path = export_torch(Mlp(), "mlp", (torch.zeros(1, 8),), ["features"], ["probabilities"])
    reference("mlp", path, {"features": generator.normal(size=(ROWS, 8)).astype(np.float32)})

    path = export_torch(Cnn(), "cnn", (torch.zeros(1, 1, 8, 8),), ["image"], ["logits"])
    reference("cnn", path, {"image": generator.normal(size=(ROWS, 1, 8, 8)).astype(np.float32)})

    path = export_torch(
        TwoInTwoOut(),
        "two_in_two_out",
        (torch.zeros(1, 4), torch.zeros(1, 2, dtype=torch.float64)),
        ["numeric", "extra"],
        ["score", "embedding"],
    )
    reference(
        "two_in_two_out",
        path,
        {
            "numeric": generator.normal(size=(ROWS, 4)).astype(np.float32),
            "extra": generator.normal(size=(ROWS, 2)).astype(np.float64),
        },
    )

    path = export_torch(
        IdsAndMask(),
        "ids_and_mask",
        (torch.zeros(1, 3, dtype=torch.int64), torch.ones(1, 3, dtype=torch.bool)),
        ["ids", "mask"],
        ["pooled", "count"],
    )
    reference(
        "ids_and_mask",
        path,
        {
            "ids": generator.integers(0, 10, size=(ROWS, 3)).astype(np.int64),
            "mask": generator.integers(0, 2, size=(ROWS, 3)).astype(bool),
        },
    )

    path = export_torch(
        Unbatched(), "unbatched", (torch.zeros(4, 3),), ["table"], ["column_means"], batched=False
    )
    reference("unbatched", path, {"table": generator.normal(size=(4, 3)).astype(np.float32)})

    path = export_torch(
        Sequence(),
        "sequence",
        (torch.zeros(1, 3),),
        ["tokens"],
        ["total"],
        dynamic={"tokens": {0: "batch", 1: "length"}, "total": {0: "batch"}},
    )
    reference("sequence", path, {"tokens": generator.normal(size=(ROWS, 4)).astype(np.float32)})

    path = os.path.join(OUT, "strings.onnx")
    string_model(path)
    reference(
        "strings",
        path,
        {"text": np.array(["dog", "cat", "fish", "bird", "dog"], dtype=object)},
    )

    path = os.path.join(OUT, "dtypes.onnx")
    dtypes_model(path)
    feeds = {}
    for name, _ in INTEGER_TYPES:
        info = np.iinfo(np.dtype(name))
        low, high = max(info.min, -100), min(info.max, 100)
        values = generator.integers(low, high, size=(ROWS, 2), endpoint=True)
        # The extremes of each type travel too (INT64/UINT64 stay within JSON's safe integers).
        values[0, 0] = max(info.min, -(2**53) + 1)
        values[0, 1] = min(info.max, 2**53 - 1)
        feeds[f"x_{name}"] = values.astype(np.dtype(name))
    feeds["x_fp64"] = generator.normal(size=(ROWS, 2))
    reference("dtypes", path, feeds)
    print("onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__, "torch", torch.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
