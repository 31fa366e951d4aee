"""Python baselines for bench/inference.bench.ts, measured on the same records in the same run.

All CPU, `--threads` intra-op threads.
  --part ort    serves commands on stdin (see serve_ort), so the Node bench can interleave both sides in
                small slices: the reference pipeline per record (training/preprocess.py + onnxruntime with
                all windows of the record in one run + the completeness check), session.run on one window,
                and the pipeline's batched throughput (64 windows per run)
  --part torch  prints one JSON object: the same IMN architecture in PyTorch (random weights: timing only),
                and explanations of the black-box baseline (training/baseline.py ResNet1dWang, random
                weights: the cost does not depend on them) with captum, on `--explain-subset` records

Usage: python bench/python/ort_baseline.py --part ort|torch --model-dir DIR --threads N [--explain-subset M] HEADER...
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import wfdb

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
from training.preprocess import preprocess_record  # noqa: E402


def load(headers: list[str]):
    records = []
    for h in headers:
        signal, fields = wfdb.rdsamp(str(Path(h).with_suffix("")))
        records.append((signal.T.astype(np.float32), list(fields["sig_name"]), int(fields["fs"])))
    return records


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def explain_record(sess, x):
    logits, w, b = sess.run(["logits", "W", "bias"], {"ecg": x})
    completeness = np.abs((w.astype(np.float64) * x[:, None]).sum(axis=(2, 3)) + b - logits).max()
    return sigmoid(logits.astype(np.float64)).max(axis=0), completeness


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--explain-subset", type=int, default=20)
    ap.add_argument("--part", choices=("ort", "torch"), required=True, help="ort: serve the onnxruntime pipeline; torch: PyTorch IMN + captum")
    ap.add_argument("headers", nargs="+")
    a = ap.parse_args()

    manifest = json.loads((Path(a.model_dir) / "model.json").read_text())
    records = load(a.headers)
    if a.part == "ort":
        serve_ort(a.model_dir, manifest, a.threads, records)
        return
    out: dict[str, object] = {"records": len(records), "threads": a.threads}
    out.update(torch_figures(manifest, a.threads, records, a.explain_subset))
    print(json.dumps(out))


def serve_ort(model_dir: str, manifest: dict, threads: int, records) -> None:
    """Answers one JSON command per stdin line, so the Node bench can alternate with it in small slices:
    {"cmd": "single", "from": i, "to": j} -> per-record ms of the reference pipeline on records[i:j];
    {"cmd": "runOnly", "n": n} -> ms of n session.run calls on one window;
    {"cmd": "batch"} -> records/s of the pipeline over all records, 64 windows per run."""
    rate, length = manifest["samplingRateHz"], manifest["inputLength"]
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(Path(model_dir) / manifest["onnx"]["file"]), so, providers=["CPUExecutionProvider"])
    prep = lambda r: preprocess_record(r[0], r[1], r[2], rate, length)  # noqa: E731
    for r in records[:5]:  # warm-up
        explain_record(sess, prep(r))
    one = prep(records[0])[:1]
    print(json.dumps({"ready": True, "ortVersion": ort.__version__}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "single":
            times, worst = [], 0.0
            for r in records[cmd["from"] : cmd["to"]]:
                t0 = time.perf_counter()
                _, err = explain_record(sess, prep(r))
                times.append((time.perf_counter() - t0) * 1e3)
                worst = max(worst, float(err))
            reply = {"times": times, "worstCompleteness": worst}
        elif cmd["cmd"] == "runOnly":
            times = []
            for _ in range(cmd["n"]):
                t0 = time.perf_counter()
                sess.run(None, {"ecg": one})
                times.append((time.perf_counter() - t0) * 1e3)
            reply = {"times": times}
        else:
            t0 = time.perf_counter()
            batch = np.concatenate([prep(r) for r in records])
            for i in range(0, len(batch), 64):
                x = batch[i : i + 64]
                logits, w, b = sess.run(["logits", "W", "bias"], {"ecg": x})
                np.abs((w.astype(np.float64) * x[:, None]).sum(axis=(2, 3)) + b - logits).max()
            reply = {"recordsPerS": len(records) / (time.perf_counter() - t0)}
        print(json.dumps(reply), flush=True)


def torch_figures(manifest: dict, threads: int, records, explain_subset: int) -> dict:
    rate, length = manifest["samplingRateHz"], manifest["inputLength"]
    out: dict[str, object] = {}
    try:
        import torch
    except Exception as e:  # torch is optional (the training env installs it)
        return {"torchMissing": str(e)}
    from training.baseline import ResNet1dWang
    from training.model import EcgImn, ImnArch

    windows = [preprocess_record(r[0], r[1], r[2], rate, length) for r in records]
    one = windows[0][:1]
    batch = np.concatenate(windows)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    hp = (manifest.get("training") or {}).get("hyperparameters") or {}
    arch = ImnArch(num_classes=len(manifest["classes"]), widths=tuple(hp.get("widths", (16, 32, 64))), kernel=tuple(hp.get("kernel", (3, 15))))
    imn = EcgImn(arch).eval()
    with torch.inference_mode():
        xt = torch.from_numpy(one)
        for _ in range(5):
            imn(xt)
        t = []
        for _ in range(100):
            t0 = time.perf_counter()
            imn(xt)
            t.append((time.perf_counter() - t0) * 1e3)
        out["torchImnRunOnlyMs"] = statistics.median(t)
        t0 = time.perf_counter()
        bt = torch.from_numpy(batch)
        for i in range(0, len(bt), 64):
            imn(bt[i : i + 64])
        out["torchImnBatchWindowsPerS"] = len(bt) / (time.perf_counter() - t0)

    from captum.attr import IntegratedGradients, Occlusion

    k = len(manifest["classes"])
    bb = ResNet1dWang(num_classes=k).eval()
    subset = [torch.from_numpy(w[:1]) for w in windows[:explain_subset]]
    bb(subset[0])
    ig = IntegratedGradients(bb)
    occ = Occlusion(bb)
    ig_ms, occ_ms, fwd_ms = [], [], []
    for x in subset:
        with torch.inference_mode():
            t0 = time.perf_counter()
            bb(x)
            fwd_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        ig.attribute(x, baselines=torch.zeros_like(x), target=0, n_steps=50, internal_batch_size=50)
        ig_ms.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        with torch.no_grad():
            occ.attribute(x, target=0, sliding_window_shapes=(1, 20), strides=(1, 20), baselines=0.0, perturbations_per_eval=64)
        occ_ms.append((time.perf_counter() - t0) * 1e3)
    out["explainSubset"] = len(subset)
    out["blackBoxForwardMs"] = statistics.median(fwd_ms)
    out["igOneClassMs"] = statistics.median(ig_ms)
    out["occlusionOneClassMs"] = statistics.median(occ_ms)
    out["classes"] = k
    return out


if __name__ == "__main__":
    main()
