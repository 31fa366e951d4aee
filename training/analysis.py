"""Post-training analysis for the model card: temperature calibration folded into the weights,
AUPRC, paired IMN-minus-black-box differences, explanation localisation on LUDB, the 500 Hz
vs 100 Hz input gap, and named sanity records. Every figure the card prints comes from here."""
from __future__ import annotations

import ast
import copy
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import wfdb
from scipy.optimize import minimize_scalar
from sklearn.metrics import average_precision_score, roc_auc_score

from . import metrics
from .data import load_record, superclass_table
from .model import EcgImn
from .preprocess import LEAD_ORDER, preprocess_single_window

LUDB_WAVES = {"p": "P", "N": "QRS", "t": "T"}


def _bce(z: np.ndarray, y: np.ndarray) -> float:
    # numerically stable mean BCE with logits
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def fit_temperatures(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One temperature per class minimising the fold-9 BCE of logit / T (T in [0.05, 20])."""
    temps = []
    for c in range(y.shape[1]):
        res = minimize_scalar(lambda log_t: _bce(logits[:, c] / np.exp(log_t), y[:, c]),
                              bounds=(np.log(0.05), np.log(20.0)), method="bounded", options={"xatol": 1e-6})
        temps.append(float(np.exp(res.x)))
    return np.array(temps)


def fold_temperature(model: EcgImn, temps: np.ndarray) -> EcgImn:
    """A copy whose W and b are those of `model` divided by T per class. The last decoder conv
    emits W and the bias head emits b, both linearly per class, so scaling their parameters
    scales the outputs exactly and sum(W*x) + b stays the logit the app shows."""
    out = copy.deepcopy(model).eval()
    inv = torch.tensor(1.0 / temps, dtype=torch.float32)
    last = out.decoder[-1]
    with torch.no_grad():
        last.weight.mul_(inv.view(-1, 1, 1, 1))
        last.bias.mul_(inv)
        out.bias_head.weight.mul_(inv.view(-1, 1))
        out.bias_head.bias.mul_(inv)
    return out


def score_table(y: np.ndarray, p: np.ndarray, codes, score, n_boot: int = 1000, seed: int = 0) -> dict:
    """Per-class and macro score (AUROC or AUPRC) with percentile bootstrap 95% CIs over records."""
    def safe(yy, pp):
        return float("nan") if yy.min() == yy.max() else float(score(yy, pp))

    k = y.shape[1]
    point = np.array([safe(y[:, c], p[:, c]) for c in range(k)])
    rng = np.random.default_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        boots[b] = [safe(y[idx, c], p[idx, c]) for c in range(k)]
    ci = lambda col: [float(np.nanpercentile(col, 2.5)), float(np.nanpercentile(col, 97.5))]
    return {"perClass": {code: {"value": float(point[c]), "ci95": ci(boots[:, c]), "positives": int(y[:, c].sum())}
                         for c, code in enumerate(codes)},
            "macro": {"value": float(np.nanmean(point)), "ci95": ci(np.nanmean(boots, axis=1))},
            "bootstrap": n_boot, "n": int(len(y))}


def paired_difference(y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, codes, n_boot: int = 1000, seed: int = 0) -> dict:
    """AUROC(a) - AUROC(b) on the same records, with a paired bootstrap (one resample of records
    scores both models), per class and macro; `pTwoSided` is the share of resamples on the
    other side of zero, doubled."""
    k = y.shape[1]
    diff = lambda idx, c: roc_auc_score(y[idx, c], p_a[idx, c]) - roc_auc_score(y[idx, c], p_b[idx, c])
    all_idx = np.arange(len(y))
    point = np.array([diff(all_idx, c) for c in range(k)])
    rng = np.random.default_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        boots[b] = [diff(idx, c) if 0 < y[idx, c].sum() < len(idx) else np.nan for c in range(k)]

    def summary(pt, col):
        col = col[~np.isnan(col)]
        p = 2 * min((col <= 0).mean(), (col >= 0).mean())
        return {"difference": float(pt), "ci95": [float(np.percentile(col, 2.5)), float(np.percentile(col, 97.5))],
                "pTwoSided": float(min(1.0, p))}

    return {"perClass": {code: summary(point[c], boots[:, c]) for c, code in enumerate(codes)},
            "macro": summary(point.mean(), np.nanmean(boots, axis=1)), "bootstrap": n_boot}


def calibration_summary(y: np.ndarray, p: np.ndarray, codes) -> dict:
    return {"brier": metrics.brier(y, p, codes), "ece": metrics.reliability(y, p)["ece"],
            "eceByClass": {code: metrics.reliability(y[:, [c]], p[:, [c]])["ece"] for c, code in enumerate(codes)}}


@torch.no_grad()
def run_imn(model: EcgImn, x: np.ndarray, batch: int = 128, want_contrib: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Logits (N x K) and, when asked, W*x (N x K x 12 x L) in float32."""
    logits, contrib = [], []
    for i in range(0, len(x), batch):
        xb = torch.from_numpy(np.array(x[i : i + batch]))  # a copy: x may be a read-only memory map
        lg, w, _ = model(xb)
        logits.append(lg.numpy())
        if want_contrib:
            contrib.append((w * xb[:, None]).numpy())
    return np.concatenate(logits), (np.concatenate(contrib) if want_contrib else None)


def sanity_records(model: EcgImn, ptbxl: Path, labels: Path, ecg_ids, codes, sampling_rate: int, length: int) -> list[dict]:
    """What the model says for named PTB-XL records (their reference statements and superclasses beside it)."""
    db = superclass_table(labels)
    rows = []
    for eid in ecg_ids:
        row = db.loc[eid]
        x = load_record(ptbxl / row["filename_lr" if sampling_rate == 100 else "filename_hr"], sampling_rate, length)
        lg, _ = run_imn(model, x[None])
        prob = metrics.sigmoid(lg[0])
        rows.append({"ecgId": int(eid), "fold": int(row["strat_fold"]),
                     "reference": {k: float(v) for k, v in ast.literal_eval(row["scp_codes"]).items()},
                     "referenceSuperclasses": list(row["superclasses"]),
                     "predictedAt05": [c for c, p in zip(codes, prob) if p >= 0.5],
                     "probabilities": {c: float(v) for c, v in zip(codes, prob)}})
    return rows


def _ludb_intervals(record: Path, lead: str, factor: float, length: int) -> dict[str, list[tuple[int, int]]]:
    """P/QRS/T intervals of one lead at the model rate: [round(on * f), round((off + 1) * f))."""
    ann = wfdb.rdann(str(record), lead.lower())
    out = {w: [] for w in LUDB_WAVES.values()}
    sym, smp = ann.symbol, ann.sample
    for i, s in enumerate(sym):
        if s in LUDB_WAVES and 0 < i < len(sym) - 1 and sym[i - 1] == "(" and sym[i + 1] == ")":
            a, b = int(round(smp[i - 1] * factor)), min(length, int(round((smp[i + 1] + 1) * factor)))
            if b > a:
                out[LUDB_WAVES[s]].append((a, b))
    return out


def ludb_analysis(model: EcgImn, ludb: Path, codes, sampling_rate: int, length: int) -> dict:
    """For every LUDB record: the model's probabilities, and for each predicted class (p >= 0.5)
    the share of its |W*x| mass inside the cardiologists' P, QRS and T delineation of each lead,
    against the share of (lead, time) cells those waves cover. Atrial-fibrillation records are
    listed separately: the model has no rhythm class."""
    table = pd.read_csv(ludb / "ludb.csv", index_col="ID")
    per_class = {c: {"records": 0, "massInside": [], "timeInside": [], **{f"mass{w}": [] for w in LUDB_WAVES.values()},
                     **{f"time{w}": [] for w in LUDB_WAVES.values()}} for c in codes}
    af, probs_all = [], []
    for rid in table.index:
        rec = ludb / "data" / str(rid)
        signal, fields = wfdb.rdsamp(str(rec))
        fs = int(fields["fs"])
        x = preprocess_single_window(signal.T.astype(np.float64), fields["sig_name"], fs, sampling_rate, length)
        lg, contrib = run_imn(model, x[None])
        prob = metrics.sigmoid(lg[0])
        probs_all.append(prob)
        rhythm = " ".join(str(table.loc[rid, "Rhythms"]).split())
        if "fibrillation" in rhythm.lower():
            af.append({"ludbId": int(rid), "rhythm": rhythm, "probabilities": {c: float(v) for c, v in zip(codes, prob)}})
        masks = {w: np.zeros((12, length), bool) for w in LUDB_WAVES.values()}
        for li, lead in enumerate(LEAD_ORDER):
            for wave, spans in _ludb_intervals(rec, lead, sampling_rate / fs, length).items():
                for a, b in spans:
                    masks[wave][li, a:b] = True
        inside = masks["P"] | masks["QRS"] | masks["T"]
        for c, code in enumerate(codes):
            if prob[c] < 0.5:
                continue
            mass = np.abs(contrib[0, c]).astype(np.float64)
            total = mass.sum()
            d = per_class[code]
            d["records"] += 1
            d["massInside"].append(mass[inside].sum() / total)
            d["timeInside"].append(inside.mean())
            for wave, m in masks.items():
                d[f"mass{wave}"].append(mass[m].sum() / total)
                d[f"time{wave}"].append(m.mean())
    summary = {}
    for code, d in per_class.items():
        summary[code] = {"records": d["records"], **{k: (float(np.mean(v)) if v else None) for k, v in d.items() if k != "records"}}
    return {"records": int(len(table)), "localisation": summary, "atrialFibrillation": af,
            "meanProbabilities": {c: float(v) for c, v in zip(codes, np.mean(probs_all, axis=0))}}


def rate_gap(model: EcgImn, subset: Path, test_fold: int, sampling_rate: int, length: int) -> dict:
    """The app reads 500 Hz files through its resampler; training read PTB-XL's 100 Hz files.
    On the records that have both (the shared subset), compare the two model inputs and the
    class decisions at 0.5 (all records, and those of the test fold)."""
    db = pd.read_csv(subset / "ptbxl_database.csv", index_col="ecg_id")
    rms, flips, flips_test, n, n_test, max_dp = [], 0, 0, 0, 0, 0.0
    for eid, row in db.iterrows():
        lo, hi = subset / row["filename_lr"], subset / row["filename_hr"]
        if not (lo.with_suffix(".hea").exists() and hi.with_suffix(".hea").exists()):
            continue
        x_lo = load_record(lo, sampling_rate, length)
        x_hi = load_record(hi, sampling_rate, length)
        rms.append(float(np.sqrt(np.mean((x_lo.astype(np.float64) - x_hi) ** 2))))
        lg, _ = run_imn(model, np.stack([x_lo, x_hi]))
        p = metrics.sigmoid(lg)
        f = int(((p[0] >= 0.5) != (p[1] >= 0.5)).sum())
        flips += f
        max_dp = max(max_dp, float(np.abs(p[0] - p[1]).max()))
        n += 1
        if int(row["strat_fold"]) == test_fold:
            flips_test += f
            n_test += 1
    return {"records": n, "inputRmsZ": {"mean": float(np.mean(rms)), "max": float(np.max(rms))},
            "decisionFlips": flips, "decisions": n * model.arch.num_classes, "maxAbsProbabilityDifference": max_dp,
            "testFoldRecords": n_test, "testFoldDecisionFlips": flips_test}


def compare_app_evaluation(app: dict, torch_auroc: dict, codes) -> dict:
    """The same test fold through the app (its TypeScript preprocessing and onnxruntime-node):
    per-class and macro AUROC from `ecg-audit evaluate --json`, and the difference to PyTorch's."""
    per = {c: app["classes"][c]["auroc"]["value"] for c in codes}
    macro = app["macroAuroc"]["value"]
    return {"n": app["n"], "aurocPerClass": per, "aurocMacro": macro,
            "maxAbsDifferenceToPytorch": max([abs(per[c] - torch_auroc["perClass"][c]["value"]) for c in codes]
                                             + [abs(macro - torch_auroc["macro"]["value"])])}
