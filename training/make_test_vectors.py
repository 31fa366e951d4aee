"""Write the cross-language test vectors for preprocessing and the tiny untrained IMN.

    python -m training.make_test_vectors [--out tests/fixtures]

Everything is generated from seeded SYNTHETIC signals (no patient data). Layout is
described in tests/fixtures/preprocessing/README.md. Re-running reproduces the files
byte-for-byte on the same library versions (recorded in index.json).
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime
import scipy
import torch

from . import preprocess as pp
from .manifest import SUPERDIAG_CLASSES, build_manifest, write_manifest
from .model import EcgImn, ImnArch
from .onnx_export import OPSET, export_onnx, run_onnx, run_torch

MODEL_HZ = 100
LENGTH = 1000
TINY_WIDTHS = (4, 8, 8)
TINY_SEED = 20260209
PTBXL_NAMES = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]


# ---------------------------------------------------------------- synthetic signals
def pqrst(fs: int, seconds: float, rng: np.random.Generator, hr_bpm: float = 72.0) -> np.ndarray:
    """One lead of a crude ECG: Gaussian P, Q, R, S, T waves per beat (mV)."""
    t = np.arange(int(round(fs * seconds))) / fs
    rr = 60.0 / hr_bpm
    waves = [(-0.20, 0.15, 0.025), (-0.03, -0.10, 0.008), (0.0, 1.0, 0.010), (0.03, -0.25, 0.010), (0.25, 0.30, 0.050)]
    x = np.zeros_like(t)
    beat = rng.uniform(0.1, 0.3)
    while beat < seconds + 1:
        for offset, amp, width in waves:
            x += amp * np.exp(-0.5 * ((t - beat - offset) / width) ** 2)
        beat += rr * rng.uniform(0.95, 1.05)
    return x


def sines(fs: int, seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(round(fs * seconds))) / fs
    x = np.zeros_like(t)
    for _ in range(3):
        x += rng.uniform(0.05, 1.0) * np.sin(2 * np.pi * rng.uniform(0.3, 40.0) * t + rng.uniform(0, 2 * np.pi))
    return x


def make_cases() -> list[dict]:
    """Each case: id, description, fs, lead names, signal (float32-representable float64)."""
    rng = np.random.default_rng(12345)
    cases = []

    def add(case_id, description, fs, names, leads):
        sig = np.stack(leads).astype(np.float32)  # raw is stored as float32; compute from exactly that
        cases.append({"id": case_id, "description": description, "fs": fs, "names": names, "signal": sig})

    add("sines-500hz-10s", "sums of 3 random sines per lead, 500 Hz, 10 s (one window after 5:1 decimation)", 500,
        PTBXL_NAMES, [sines(500, 10, rng) for _ in range(12)])
    add("pqrst-250hz-12s", "synthetic PQRST + Gaussian noise, 250 Hz, 12 s (2 windows: 0 and end-aligned 200)", 250,
        PTBXL_NAMES, [pqrst(250, 12, rng) * rng.uniform(0.3, 1.5) + rng.normal(0, 0.02, 3000) for _ in range(12)])
    leads = [pqrst(100, 10, rng) + rng.normal(0, 0.01, 1000) for _ in range(12)]
    leads[3] = np.full(1000, 0.25)             # flat lead: std = 0, epsilon keeps it finite
    leads[8] = leads[8] + 2500.0                # large DC offset (mV): precision of the mean matters
    add("flat-dc-100hz-10s", "100 Hz (no resampling), 10 s; lead aVR flat, lead V3 offset by +2500 mV", 100,
        PTBXL_NAMES, leads)
    leads = [pqrst(500, 15, rng) + 0.5 * sines(500, 15, rng) + rng.normal(0, 0.05, 7500) for _ in range(12)]
    leads[0] = np.zeros(7500)                   # all-zero lead
    add("mixed-500hz-15s", "PQRST + sines + noise, 500 Hz, 15 s (windows at 0 and 500); lead I all zeros", 500,
        PTBXL_NAMES, leads)
    # Shuffled order, mixed-case names and an extra lead: exercises lead selection.
    order = list(rng.permutation(12))
    names = [["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"][i] for i in order]
    names = [n.lower() if i % 2 else n for i, n in enumerate(names)] + ["X"]
    base = [pqrst(250, 10, rng) * (1 + 0.1 * i) + rng.normal(0, 0.02, 2500) for i in range(12)]
    add("shuffled-250hz-10s", "250 Hz, 10 s, 13 channels: 12 leads in shuffled order with mixed-case names plus an extra 'X'", 250,
        names, [base[i] for i in order] + [rng.normal(0, 1, 2500)])
    add("pqrst-360hz-11s", "360 Hz (up/down = 5/18), 11 s: 1100 samples -> windows at 0 and 100", 360,
        PTBXL_NAMES, [pqrst(360, 11, rng) + rng.normal(0, 0.03, 3960) for _ in range(12)])
    add("noise-100hz-25s", "white noise, 100 Hz, 25 s: windows at 0, 500, ..., 1500", 100,
        PTBXL_NAMES, [rng.normal(0, 1, 2500) * (i + 1) for i in range(12)])
    add("too-short-100hz-9s", "100 Hz, 9 s: shorter than the model input, must be an ERROR (no padding)", 100,
        PTBXL_NAMES, [pqrst(100, 9, rng) for _ in range(12)])
    add("too-short-500hz-9.99s", "500 Hz, 4995 samples -> 999 after resampling: must be an ERROR", 500,
        PTBXL_NAMES, [sines(500, 9.99, rng) for _ in range(12)])
    return cases


def resample_only_cases() -> list[dict]:
    """Single-lead inputs for testing the resampler in isolation (float64 in and out)."""
    rng = np.random.default_rng(777)
    impulse = np.zeros(101)
    impulse[50] = 1.0
    step = np.concatenate([np.zeros(60), np.ones(67)])
    return [
        {"id": "impulse-500-to-100", "from": 500, "to": 100, "x": impulse},
        {"id": "step-250-to-100", "from": 250, "to": 100, "x": step},
        {"id": "random-360-to-100", "from": 360, "to": 100, "x": rng.normal(0, 1, 719)},
        {"id": "random-100-to-500", "from": 100, "to": 500, "x": rng.normal(0, 1, 53)},
        {"id": "random-1000-to-100", "from": 1000, "to": 100, "x": rng.normal(0, 1, 2003)},
        {"id": "random-257-to-100", "from": 257, "to": 100, "x": rng.normal(0, 1, 300)},
        {"id": "short-7-500-to-100", "from": 500, "to": 100, "x": rng.normal(0, 1, 7)},
        {"id": "dc-500-to-100", "from": 500, "to": 100, "x": np.full(500, 3.0)},
    ]


# ---------------------------------------------------------------- tiny model
def tiny_model() -> EcgImn:
    torch.manual_seed(TINY_SEED)
    model = EcgImn(ImnArch(num_classes=5, widths=TINY_WIDTHS))
    # Undo the small training init of the last layer so W and the logits have O(1) spread
    # and the parity tests compare non-trivial numbers.
    model.decoder[-1].reset_parameters()
    # Non-trivial BatchNorm statistics so inference-mode BN is exercised by the parity tests.
    g = torch.Generator().manual_seed(TINY_SEED + 1)
    for mod in model.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.copy_(torch.randn(mod.num_features, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(mod.num_features, generator=g) + 0.5)
    return model.eval()


def write_tiny_model(model_dir: Path) -> tuple[EcgImn, Path]:
    model = tiny_model()
    model_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = model_dir / "model.onnx"
    export_onnx(model, onnx_path, LENGTH)
    manifest = build_manifest(
        model_id="tiny-imn",
        name="Tiny untrained ECG-IMN (test fixture only)",
        task="ptbxl-superdiagnostic",
        classes=SUPERDIAG_CLASSES,
        sampling_rate_hz=MODEL_HZ,
        length=LENGTH,
        onnx_path=onnx_path,
        opset=OPSET,
        training={
            "note": "UNTRAINED: seeded random weights and BatchNorm statistics, for parity tests only; outputs are meaningless",
            "seed": TINY_SEED,
            "hyperparameters": {"widths": list(TINY_WIDTHS), "kernel": [3, 15]},
            "generator": "python -m training.make_test_vectors",
        },
        metrics=None,
    )
    write_manifest(manifest, model_dir / "model.json")
    return model, onnx_path


# ---------------------------------------------------------------- writing
def write_bin(path: Path, array: np.ndarray, dtype: str) -> dict:
    arr = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(arr.tobytes(order="C"))
    return {"file": str(path.relative_to(path.parents[1])), "dtype": np.dtype(dtype).name, "shape": list(arr.shape)}


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z.astype(np.float64)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "tests" / "fixtures")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    prep_dir = args.out / "preprocessing"
    for sub in ("raw", "resampled", "windows", "resample-only", "tiny-imn"):
        shutil.rmtree(prep_dir / sub, ignore_errors=True)
    model, onnx_path = write_tiny_model(args.out / "models" / "tiny-imn")

    index = {
        "formatVersion": 1,
        "generator": "python -m training.make_test_vectors",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__,
                     "onnxruntime": onnxruntime.__version__},
        "modelRateHz": MODEL_HZ,
        "inputLength": LENGTH,
        "leadOrder": list(pp.LEAD_ORDER),
        "tinyModel": "../models/tiny-imn/model.onnx",
        "cases": [],
        "resampleOnly": [],
    }
    # Full W tensors (240 KB per window per engine) only for two one-window cases, to keep
    # the fixture directory small; logits and bias are stored for every case.
    w_cases = {"sines-500hz-10s", "flat-dc-100hz-10s"}
    for case in make_cases():
        cid, sig = case["id"], case["signal"]
        up, down = pp.resample_factors(case["fs"], MODEL_HZ)
        entry = {
            "id": cid,
            "description": case["description"],
            "sourceRateHz": case["fs"],
            "leadNames": case["names"],
            "raw": write_bin(prep_dir / "raw" / f"{cid}.f32", sig, "float32"),
            "resample": {"up": up, "down": down},
        }
        selected = pp.select_leads(sig.astype(np.float64), case["names"])
        resampled = pp.resample(selected, case["fs"], MODEL_HZ)
        entry["resampledLength"] = int(resampled.shape[-1])
        if (up, down) != (1, 1):
            entry["resampled"] = write_bin(prep_dir / "resampled" / f"{cid}.f64", resampled, "float64")
        try:
            windows = pp.preprocess_record(sig, case["names"], case["fs"], MODEL_HZ, LENGTH)
        except pp.PreprocessError as exc:
            entry["error"] = {"kind": "shorter-than-input", "message": str(exc)}
            index["cases"].append(entry)
            continue
        entry["error"] = None
        entry["windowStarts"] = pp.window_starts(resampled.shape[-1], LENGTH)
        entry["windows"] = write_bin(prep_dir / "windows" / f"{cid}.f32", windows, "float32")
        outputs = {}
        for engine, out in (("torch", run_torch(model, windows)), ("onnxruntime", run_onnx(onnx_path, windows))):
            o = {"logits": out["logits"].tolist(), "bias": out["bias"].tolist()}
            if cid in w_cases:
                o["W"] = write_bin(prep_dir / "tiny-imn" / f"{cid}.{engine}.W.f32", out["W"], "float32")
            o["probabilityMax"] = sigmoid(out["logits"]).max(axis=0).tolist()
            outputs[engine] = o
        entry["tinyImn"] = outputs
        index["cases"].append(entry)

    for rc in resample_only_cases():
        y = pp.resample(rc["x"][None, :], rc["from"], rc["to"])
        up, down = pp.resample_factors(rc["from"], rc["to"])
        index["resampleOnly"].append({
            "id": rc["id"], "sourceRateHz": rc["from"], "targetRateHz": rc["to"], "up": up, "down": down,
            "input": write_bin(prep_dir / "resample-only" / f"{rc['id']}.in.f64", rc["x"][None, :], "float64"),
            "output": write_bin(prep_dir / "resample-only" / f"{rc['id']}.out.f64", y, "float64"),
        })

    (prep_dir / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file() and ("preprocessing" in p.parts or "tiny-imn" in p.parts))
    print(f"wrote {len(index['cases'])} cases, {len(index['resampleOnly'])} resample-only cases; {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
