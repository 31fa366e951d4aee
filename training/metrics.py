"""Evaluation: AUROC with bootstrap CIs, Brier score, reliability curves, and the
degeneracy of IMN explanations (how concentrated |W * x| is)."""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import roc_auc_score


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    if y.min() == y.max():
        return float("nan")  # undefined with one label present
    return float(roc_auc_score(y, p))


def auroc_table(y: np.ndarray, p: np.ndarray, codes, n_boot: int = 1000, seed: int = 0) -> dict:
    """Per-class and macro AUROC with percentile bootstrap 95% CIs (records resampled with
    replacement; a replicate where a class has a single label is skipped for that class,
    and the macro of a replicate averages the classes defined in it)."""
    k = y.shape[1]
    point = [_auc(y[:, c], p[:, c]) for c in range(k)]
    rng = np.random.default_rng(seed)
    boots = np.full((n_boot, k), np.nan)
    for b in range(n_boot):
        idx = rng.integers(0, len(y), len(y))
        for c in range(k):
            boots[b, c] = _auc(y[idx, c], p[idx, c])
    out = {"perClass": {}, "bootstrap": n_boot, "n": int(len(y))}
    for c, code in enumerate(codes):
        col = boots[:, c][~np.isnan(boots[:, c])]
        out["perClass"][code] = {
            "auroc": point[c],
            "ci95": [float(np.percentile(col, 2.5)), float(np.percentile(col, 97.5))] if len(col) else None,
            "positives": int(y[:, c].sum()),
        }
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # replicates with no defined class
        macro_boot = np.nanmean(boots, axis=1)
    macro_boot = macro_boot[~np.isnan(macro_boot)]
    out["macro"] = {
        "auroc": float(np.nanmean(point)),
        "ci95": [float(np.percentile(macro_boot, 2.5)), float(np.percentile(macro_boot, 97.5))] if len(macro_boot) else None,
    }
    return out


def brier(y: np.ndarray, p: np.ndarray, codes) -> dict:
    per = {code: float(np.mean((p[:, c] - y[:, c]) ** 2)) for c, code in enumerate(codes)}
    return {"perClass": per, "mean": float(np.mean(list(per.values())))}


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict:
    """Pooled over classes: mean predicted vs observed frequency per equal-width bin."""
    yf, pf = y.ravel(), p.ravel()
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(pf, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        m = idx == b
        if m.any():
            rows.append({"bin": [float(edges[b]), float(edges[b + 1])], "count": int(m.sum()),
                         "meanPredicted": float(pf[m].mean()), "observed": float(yf[m].mean())})
    ece = sum(r["count"] * abs(r["meanPredicted"] - r["observed"]) for r in rows) / len(pf)
    return {"bins": rows, "ece": float(ece)}


def degeneracy_per_record(contrib_abs: np.ndarray, top_frac: float = 0.01):
    """contrib_abs: N x K x 12 x L of |W * x|. Returns per record and class (N x K):
    - top-sample share: share of the total mass on the top 1% of the 12*L (lead, time) cells
      (uniform attribution gives 0.01; near 1.0 = everything on a handful of cells)
    - top-lead share: share of the mass on the single heaviest lead (uniform: 1/12 = 0.083)
    - index of that lead."""
    n, k = contrib_abs.shape[:2]
    flat = contrib_abs.reshape(n, k, -1).astype(np.float64)
    m = max(1, int(round(top_frac * flat.shape[-1])))
    total = flat.sum(-1) + 1e-12
    top = np.sort(flat, axis=-1)[..., -m:].sum(-1) / total
    lead_mass = flat.reshape(n, k, 12, -1).sum(-1)
    return top, lead_mass.max(-1) / total, lead_mass.argmax(-1)


def summarize_degeneracy(top: np.ndarray, top_lead: np.ndarray, top_lead_idx: np.ndarray, codes, lead_names) -> dict:
    out = {}
    for c, code in enumerate(codes):
        counts = np.bincount(top_lead_idx[:, c], minlength=12)
        out[code] = {
            "topSampleShare": {"mean": float(top[:, c].mean()), "median": float(np.median(top[:, c]))},
            "topLeadShare": {"mean": float(top_lead[:, c].mean()), "median": float(np.median(top_lead[:, c]))},
            "mostFrequentTopLead": lead_names[int(counts.argmax())],
            "mostFrequentTopLeadRecords": int(counts.max()),
        }
    return out
