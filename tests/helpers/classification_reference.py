"""Reference classification metrics for tests/audit and tests/dataset: JSON on stdin, JSON on stdout.

Request: {"names": [...], "labels": [[1|0|null per class], ...], "probabilities": [[p per class], ...],
          "threshold": t, "replicates": B, "seed": s}
Reply per class: n, positives, auroc / auprc (scikit-learn roc_auc_score / average_precision_score), brier
(brier_score_loss), sensitivity / specificity (confusion_matrix at p >= t), and percentile bootstrap CIs drawn
with np.random.default_rng(seed).integers(0, n, n) per replicate, exactly as training/metrics.py; for requests
where every label is determined, also training.metrics.auroc_table's own output ("training").
Also "rng": the first draws of default_rng(seed).integers(0, n, n) for each [seed, n, replicates] in "rngChecks".
"""
import json
import math
import os
import sys
import warnings

try:
    import numpy as np
    from sklearn.metrics import average_precision_score, brier_score_loss, confusion_matrix, roc_auc_score
except ImportError as err:  # the test turns this into a failure with the install command
    sys.stderr.write(f"missing reference package: {err}\n")
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
warnings.simplefilter("ignore")


def ci(values):
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))] if len(values) else None


def main():
    req = json.load(sys.stdin)
    out = {"rng": [np.random.default_rng(s).integers(0, n, (b, n)).tolist() for s, n, b in req.get("rngChecks", [])]}
    if "labels" not in req:
        json.dump(out, sys.stdout)
        return
    names = req["names"]
    y_all = np.array([[np.nan if v is None else v for v in row] for row in req["labels"]], dtype=float)
    p_all = np.array(req["probabilities"], dtype=float)
    n = len(y_all)
    rng = np.random.default_rng(req["seed"])
    resamples = [rng.integers(0, n, n) for _ in range(req["replicates"])]
    classes = []
    boot_auc = np.full((len(resamples), len(names)), np.nan)
    for c, name in enumerate(names):
        keep = ~np.isnan(y_all[:, c])
        y, p = y_all[keep, c].astype(int), p_all[keep, c]
        one_label = len(set(y.tolist())) < 2
        auprc_boot = []
        for b, idx in enumerate(resamples):
            idx = idx[keep[idx]]
            yb, pb = y_all[idx, c].astype(int), p_all[idx, c]
            if len(set(yb.tolist())) == 2:
                boot_auc[b, c] = roc_auc_score(yb, pb)
                auprc_boot.append(average_precision_score(yb, pb))
        pred = (p >= req["threshold"]).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel() if len(y) else (0, 0, 0, 0)
        col = boot_auc[:, c][~np.isnan(boot_auc[:, c])]
        classes.append({
            "name": name,
            "n": int(len(y)),
            "positives": int(y.sum()),
            "auroc": {"value": None if one_label else float(roc_auc_score(y, p)), "ci95": ci(col)},
            "auprc": {"value": None if one_label else float(average_precision_score(y, p)), "ci95": ci(auprc_boot)},
            "brier": float(brier_score_loss(y, p)) if len(y) else None,
            "sensitivity": float(tp / (tp + fn)) if tp + fn else None,
            "specificity": float(tn / (tn + fp)) if tn + fp else None,
            "confusion": {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn)},
        })
    defined = [c["auroc"]["value"] for c in classes if c["auroc"]["value"] is not None]
    with np.errstate(invalid="ignore"):
        macro_boot = np.nanmean(boot_auc, axis=1)
    out["classes"] = classes
    out["macroAuroc"] = {"value": float(np.mean(defined)) if defined else None, "ci95": ci(macro_boot[~np.isnan(macro_boot)])}
    if not np.isnan(y_all).any():
        from training.metrics import auroc_table

        out["training"] = auroc_table(y_all, p_all, names, n_boot=req["replicates"], seed=req["seed"])
    json.dump(out, sys.stdout, default=lambda x: None if isinstance(x, float) and math.isnan(x) else x)


main()
