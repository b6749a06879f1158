"""What a Python team would deploy for an ONNX model: FastAPI + uvicorn + onnxruntime.

A KServe V2 `POST /v2/models/mlp/infer` endpoint with pydantic request models, one uvicorn
worker, onnxruntime on the CPU with one intra-op thread (as the Node servers in the benchmark).
Used only by benchmarks/serving/onnx-serving.bench.ts; never by tests or CI.

    python onnx_fastapi_server.py MODEL.onnx PORT
"""

import sys
from typing import List, Optional

import numpy as np
import onnxruntime
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

DTYPES = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32, "BOOL": np.bool_}


class InputTensor(BaseModel):
    name: str
    shape: List[int]
    datatype: str
    data: list


class InferRequest(BaseModel):
    id: Optional[str] = None
    inputs: List[InputTensor]


options = onnxruntime.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
session = onnxruntime.InferenceSession(sys.argv[1], options, providers=["CPUExecutionProvider"])
output_names = [output.name for output in session.get_outputs()]
app = FastAPI()


@app.post("/v2/models/mlp/infer")
def infer(request: InferRequest):
    feeds = {
        tensor.name: np.asarray(tensor.data, dtype=DTYPES[tensor.datatype]).reshape(tensor.shape)
        for tensor in request.inputs
    }
    results = session.run(output_names, feeds)
    return {
        "model_name": "mlp",
        "model_version": "1",
        "outputs": [
            {"name": name, "shape": list(value.shape), "datatype": "FP32", "data": value.reshape(-1).tolist()}
            for name, value in zip(output_names, results)
        ],
    }


if __name__ == "__main__":
    print('{"port": %d}' % int(sys.argv[2]), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
