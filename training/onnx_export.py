"""ONNX export of ECG-IMN and the parity check against PyTorch.

Contract (consumed by src/core/inference): input `ecg` float32 [batch, 12, L] (already
preprocessed), outputs `logits` [batch, K], `W` [batch, K, 12, L], `bias` [batch, K],
dynamic batch axis.
"""
from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import torch

from .model import EcgImn

OPSET = 17
INPUT_NAME = "ecg"
OUTPUT_NAMES = ("logits", "W", "bias")


def export_onnx(model: EcgImn, path: Path, length: int, opset: int = OPSET) -> None:
    model = model.eval()
    dummy = torch.zeros(1, 12, length)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # The length-divisible-by-4 guard is a Python bool under tracing; L is fixed per model.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_axes={name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,  # the TorchScript exporter gives a small, plain-op graph (Conv/Resize/...)
        )


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def run_onnx(path: Path, x: np.ndarray) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # reproducible reductions
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    outs = sess.run(list(OUTPUT_NAMES), {INPUT_NAME: x.astype(np.float32)})
    return dict(zip(OUTPUT_NAMES, outs))


def run_torch(model: EcgImn, x: np.ndarray) -> dict[str, np.ndarray]:
    model = model.eval()
    with torch.no_grad():
        logits, w, b = model(torch.from_numpy(x.astype(np.float32)))
    return {"logits": logits.numpy(), "W": w.numpy(), "bias": b.numpy()}


def parity(model: EcgImn, path: Path, x: np.ndarray, batch: int = 16) -> dict[str, float]:
    """Max abs errors ONNX vs PyTorch, and the completeness gap of the ONNX outputs
    |sum(W*x) + b - logit| (computed in float64)."""
    err = {"logits": 0.0, "W": 0.0, "bias": 0.0, "completeness": 0.0}
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        o, t = run_onnx(path, xb), run_torch(model, xb)
        for k in ("logits", "W", "bias"):
            err[k] = max(err[k], float(np.abs(o[k] - t[k]).max()))
        recon = (o["W"].astype(np.float64) * xb[:, None].astype(np.float64)).sum(axis=(2, 3)) + o["bias"]
        err["completeness"] = max(err["completeness"], float(np.abs(recon - o["logits"]).max()))
    return err
