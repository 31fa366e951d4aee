"""model.json writer (schemaVersion 1). The app reads this to know classes, rate, length,
lead order and the exact preprocessing, so it must match training/preprocess.py."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .preprocess import LEAD_ORDER, WINDOW_OVERLAP, ZSCORE_EPSILON
from .onnx_export import INPUT_NAME, sha256

SUPERDIAG_CLASSES = [
    {"code": "NORM", "name": "Normal ECG"},
    {"code": "MI", "name": "Myocardial infarction"},
    {"code": "STTC", "name": "ST/T change"},
    {"code": "CD", "name": "Conduction disturbance"},
    {"code": "HYP", "name": "Hypertrophy"},
]
BINARY_CLASSES = [{"code": "ABN", "name": "Abnormal ECG (not NORM)"}]

LICENSE = {
    "weights": "CC BY 4.0 (trained on PTB-XL, Wagner et al. 2020, CC BY 4.0; attribute PTB-XL and PhysioNet)",
    "data": "PTB-XL v1.0.x, CC BY 4.0, doi:10.13026/kfzx-aw45 / Sci Data 7:154 (2020)",
    "code": "see repository",
}


def preprocessing_block(length: int) -> dict:
    return {
        "leadSelection": "case-insensitive name match, reordered to leadOrder",
        "resample": {
            "method": "resample_poly",
            "window": "kaiser",
            "beta": 5.0,
            "padtype": "constant",
            "factors": "up/down = reduced fraction targetHz/sourceHz; none when equal",
        },
        "filters": [],
        "missingSamples": "refuse",
        "zscore": {
            "std": "population",
            "ddof": 0,
            "epsilon": ZSCORE_EPSILON,
            "formula": "(x - mean) / (std + epsilon)",
            "scope": "per lead, per window",
            "arithmetic": "float64, sequential left-to-right sums, float32 result",
        },
        "windowing": {
            "length": length,
            "overlap": WINDOW_OVERLAP,
            "hop": int(round(length * (1 - WINDOW_OVERLAP))),
            "lastWindow": "end-aligned extra window when the hop grid leaves a tail",
            "aggregate": "max",
            "aggregateOver": "sigmoid probabilities",
            "shorterThanInput": "error",
        },
    }


def git_commit(repo: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "training"], cwd=repo, capture_output=True, text=True).stdout.strip()
        return head if head and not dirty else "uncommitted"
    except Exception:
        return "uncommitted"


def build_manifest(
    *,
    model_id: str,
    name: str,
    task: str,
    classes: list[dict],
    sampling_rate_hz: int,
    length: int,
    onnx_path: Path,
    opset: int,
    training: dict,
    metrics: dict | None,
    extra: dict | None = None,
) -> dict:
    k = len(classes)
    manifest = {
        "schemaVersion": 1,
        "id": model_id,
        "name": name,
        "architecture": "ecg-imn",
        "task": task,
        "classes": classes,
        "outputActivation": "sigmoid",
        "samplingRateHz": sampling_rate_hz,
        "inputLength": length,
        "leadOrder": list(LEAD_ORDER),
        "preprocessing": preprocessing_block(length),
        "onnx": {
            "file": onnx_path.name,
            "sha256": sha256(onnx_path),
            "opset": opset,
            "inputs": [{"name": INPUT_NAME, "shape": ["batch", 12, length], "type": "float32"}],
            "outputs": [
                {"name": "logits", "shape": ["batch", k], "type": "float32"},
                {"name": "W", "shape": ["batch", k, 12, length], "type": "float32"},
                {"name": "bias", "shape": ["batch", k], "type": "float32"},
            ],
            "completeness": "logits[c] = sum(W[c] * ecg) + bias[c]",
        },
        "training": training,
        "metrics": metrics,
        "license": LICENSE,
    }
    if extra:
        manifest.update(extra)
    return manifest


def write_manifest(manifest: dict, path: Path) -> None:
    path.write_text(json.dumps(manifest, indent=2) + "\n")
