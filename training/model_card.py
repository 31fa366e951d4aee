"""MODEL_CARD.md and the reliability plot, rendered from the measured results.json
(nothing here is typed in by hand: every number comes from the run)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .preprocess import LEAD_ORDER

VARIANT_LABEL = {"imn": "ECG-IMN", "imn-lfr": "ECG-IMN + LFR", "baseline": "resnet1d_wang (black box)"}


def reliability_plot(npz: dict, codes, path: Path, bins: int = 10) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), dpi=110)
    edges = np.linspace(0, 1, bins + 1)
    for name, data in npz.items():
        y, p = data["y"].ravel(), data["p"].ravel()
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        xs, ys, ns = [], [], []
        for b in range(bins):
            m = idx == b
            if m.any():
                xs.append(p[m].mean())
                ys.append(y[m].mean())
                ns.append(m.sum())
        axes[0].plot(xs, ys, "o-", label=f"{VARIANT_LABEL.get(name, name)} (pooled)")
    axes[0].plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect calibration")
    axes[0].set(xlabel="mean predicted probability", ylabel="observed frequency", title="Reliability, test fold 10, all classes pooled", xlim=(0, 1), ylim=(0, 1))
    axes[0].legend(fontsize=8)
    data = npz["imn"]
    for c, code in enumerate(codes):
        y, p = data["y"][:, c], data["p"][:, c]
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        pts = [(p[idx == b].mean(), y[idx == b].mean()) for b in range(bins) if (idx == b).any()]
        axes[1].plot(*zip(*pts), "o-", ms=3, label=f"{code} (n+={int(y.sum())})")
    axes[1].plot([0, 1], [0, 1], "k--", lw=0.8)
    axes[1].set(xlabel="mean predicted probability", ylabel="observed frequency", title="ECG-IMN per class (few records per bin!)", xlim=(0, 1), ylim=(0, 1))
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _ci(entry) -> str:
    if entry is None or entry.get("auroc") is None or np.isnan(entry["auroc"]):
        return "n/a"
    ci = entry.get("ci95")
    return f"{entry['auroc']:.3f} ({ci[0]:.3f}-{ci[1]:.3f})" if ci else f"{entry['auroc']:.3f}"


def render_model_card(manifest: dict, results: dict, variant: str, onnx_bytes: int, parity: dict) -> str:
    codes = [c["code"] for c in manifest["classes"]]
    names = {c["code"]: c["name"] for c in manifest["classes"]}
    variants = [v for v in ("imn", "imn-lfr", "baseline") if v in results["variants"]]
    data = results["data"]
    cfg = results["config"]
    tr = manifest["training"]
    L = []
    w = L.append
    w(f"# Model card: {manifest['name']}")
    w("")
    w(f"`{manifest['id']}` · architecture `ecg-imn` · bundled variant: **{VARIANT_LABEL[variant]}** · "
      f"code commit `{tr['codeCommit']}`")
    w("")
    w("## Intended use")
    w("")
    w("Research **audit of explanations**: ECG-IMN (Thambawita, Isaksen, Kanters, Hammer, Halvorsen 2026, arXiv 2602.09566; "
      "an Interpretable Mesomorphic Network after Kadra et al., NeurIPS 2024) emits, for every ECG, a linear model "
      "`W` (classes x 12 leads x samples) and bias `b` whose dot product with the input *is* the logit, so `W * x` "
      "is an exact attribution. This bundle exists so the app can show and audit such attributions.")
    w("")
    w("**Not for diagnosis**, triage or any clinical decision. It is not a medical device, has not been validated "
      "clinically, and (see Limitations) was trained on a 500-record subset of PTB-XL.")
    w("")
    w("## Model")
    w("")
    w(f"- Input `ecg` float32 `[batch, 12, {manifest['inputLength']}]` ({manifest['samplingRateHz']} Hz, 10 s), leads "
      f"{', '.join(LEAD_ORDER)}, preprocessed as below. Outputs `logits` `[batch, {len(codes)}]`, `W` "
      f"`[batch, {len(codes)}, 12, {manifest['inputLength']}]`, `bias` `[batch, {len(codes)}]`; "
      "probability = sigmoid(logit); `logit[c] = sum(W[c] * ecg) + bias[c]`.")
    w(f"- Encoder: 3 x (Conv2d 3x15 over lead x time, same padding, BatchNorm, GELU), max-pool x2 along time after blocks 1 and 2; "
      f"widths {cfg['widths']}. Decoder: (conv block + nearest x2 upsampling along time) twice, then a 3x15 conv to "
      f"{len(codes)} channels = `W`. Bias: global average pool of the encoder output -> Linear({cfg['widths'][2]} -> {len(codes)}). "
      f"{tr['parameters']:,} parameters; ONNX opset {manifest['onnx']['opset']}, {onnx_bytes / 1024:.0f} KB.")
    w("- The last decoder conv starts at 1/100 of its default initialisation (so the initial logits, sums over 12,000 "
      "products, are O(1)); everything else is PyTorch's default initialisation.")
    w("")
    w("## Data")
    w("")
    w(f"PTB-XL (Wagner et al. 2020, CC BY 4.0) read from `{cfg['ptbxl']}`: **{data['recordsInDatabase']} records** "
      "(the repository's shared data is the ecg_id 1-500 subset; full PTB-XL has 21,799). Labels: a record belongs to a "
      "superclass if any of its `scp_codes` (any likelihood) with `diagnostic == 1` in `scp_statements.csv` maps to that "
      f"`diagnostic_class` (PTB-XL benchmark convention). **{data['droppedNoSuperclass']} records without any superclass are "
      "dropped** from training and evaluation, as in the PTB-XL benchmark.")
    w("")
    w("| split | folds | records | " + " | ".join(f"{c} +" for c in codes) + " |")
    w("|---|---|---|" + "---|" * len(codes))
    for split, folds in (("train", "1-8"), ("val", "9"), ("test", "10")):
        pos = data[f"{split}Positives"]
        w(f"| {split} | {folds} | {data[f'{split}Records']} | " + " | ".join(str(pos[c]) for c in codes) + " |")
    w("")
    w("Fold 9 is used only to pick the checkpoint (best validation macro AUROC over epochs); fold 10 is evaluated once, after selection.")
    w("")
    w("## Preprocessing (exact; the app reimplements it bit for bit)")
    w("")
    w("1. Leads selected by name (case-insensitive) and ordered I, II, III, aVR, aVL, aVF, V1-V6.")
    w("2. Resampled to the model rate with `scipy.signal.resample_poly(x, up, down, axis=-1)`, scipy defaults "
      "(`window=('kaiser', 5.0)`, `padtype='constant'`), up/down = reduced fraction target/source; no resampling when equal. "
      "No other filtering.")
    w("3. Windows of L samples, hop L/2 (50% overlap), plus an end-aligned last window if the hop grid leaves a tail; "
      "records shorter than L are rejected (no padding). PTB-XL records are exactly one window.")
    w("4. Per window and lead: `(x - mean) / (std + 1e-6)` with the **population** std (ddof = 0), computed in float64 "
      "with sequential sums, cast to float32. (The reference ECG-IMN code mixes unbiased and population std; this model does not.)")
    w("5. Record-level probability in the app = max over windows of sigmoid(logit).")
    w("")
    w("## Test results (fold 10, measured)")
    w("")
    w(f"AUROC with percentile bootstrap 95% CIs ({results['variants'][variant]['test']['auroc']['bootstrap']} resamples of the "
      f"{data['testRecords']} test records). All variants: same data, split, preprocessing, seed {cfg['seed']}, epochs {cfg['epochs']}.")
    w("")
    w("| class | positives | " + " | ".join(VARIANT_LABEL[v] for v in variants) + " |")
    w("|---|---|" + "---|" * len(variants))
    for c in codes:
        pos = results["variants"][variant]["test"]["auroc"]["perClass"][c]["positives"]
        w(f"| {c} ({names[c]}) | {pos} | " + " | ".join(_ci(results["variants"][v]["test"]["auroc"]["perClass"][c]) for v in variants) + " |")
    w("| **macro** | | " + " | ".join(f"**{_ci(results['variants'][v]['test']['auroc']['macro'])}**" for v in variants) + " |")
    w("")
    w("Validation (fold 9) macro AUROC of the selected checkpoints: " + ", ".join(
        f"{VARIANT_LABEL[v]} {results['variants'][v]['bestValMacroAuroc']:.3f} (epoch {results['variants'][v]['bestEpoch']})" for v in variants) + ".")
    w("")
    w("### Calibration")
    w("")
    w("| | " + " | ".join(VARIANT_LABEL[v] for v in variants) + " |")
    w("|---|" + "---|" * len(variants))
    for c in codes:
        w(f"| Brier {c} | " + " | ".join(f"{results['variants'][v]['test']['brier']['perClass'][c]:.3f}" for v in variants) + " |")
    w("| Brier mean | " + " | ".join(f"{results['variants'][v]['test']['brier']['mean']:.3f}" for v in variants) + " |")
    w("| ECE (10 bins, pooled) | " + " | ".join(f"{results['variants'][v]['test']['reliability']['ece']:.3f}" for v in variants) + " |")
    w("")
    w("![reliability](reliability.png)")
    w("")
    w(f"No post-hoc calibration is applied; with {data['testRecords']} test records the per-class curves rest on a handful of records per bin.")
    w("")
    w("## Explanation degeneracy (test fold)")
    w("")
    w("Per class, over the test records: share of the total `|W * x|` mass on the top 1% of the 12 x L (lead, time) "
      "cells (uniform attribution: 0.010), and on the single heaviest lead (uniform: 0.083); mean (median). "
      "High values mean the 'explanation' collapses onto a few samples or one lead.")
    w("")
    imn_variants = [v for v in ("imn", "imn-lfr") if v in results["variants"]]
    w("| class | " + " | ".join(f"{VARIANT_LABEL[v]} top-1% share | {VARIANT_LABEL[v]} top-lead share" for v in imn_variants) + " |")
    w("|---|" + "---|---|" * len(imn_variants))
    for c in codes:
        cells = []
        for v in imn_variants:
            d = results["variants"][v]["test"]["degeneracy"][c]
            cells.append(f"{d['topSampleShare']['mean']:.3f} ({d['topSampleShare']['median']:.3f})")
            cells.append(f"{d['topLeadShare']['mean']:.3f} ({d['topLeadShare']['median']:.3f}), mostly {d['mostFrequentTopLead']}")
        w(f"| {c} | " + " | ".join(cells) + " |")
    w("")
    if "imn-lfr" in results["variants"]:
        w(f"LFR = local-fidelity regularisation: x' = x + N(0, {cfg['lfr_sigma']}^2) (z-score units), penalty "
          f"{cfg['lfr_weight']} x mean_c (sum(W(x)[c] * x') + b(x)[c] - logit(x')[c])^2 added to the loss.")
        w("")
    w(f"Local fidelity on the test fold (x' = x + N(0, {cfg['lfr_sigma']}^2), same seeded noise for both; "
      "|sum(W(x) * x') + b(x) - logit(x')| in logit units, lower = the explanation at x predicts the model near x): " + ", ".join(
        f"{VARIANT_LABEL[v]} mean {results['variants'][v]['test']['localFidelity']['meanAbsGap']:.3f} "
        f"(median {results['variants'][v]['test']['localFidelity']['medianAbsGap']:.3f}; logit std "
        f"{results['variants'][v]['test']['localFidelity']['logitStd']:.2f})"
        for v in imn_variants if "localFidelity" in results["variants"][v]["test"]) + ".")
    w("")
    w("Completeness on the test fold (float64 recomputation of sum(W*x)+b vs the logit): " + ", ".join(
        f"{VARIANT_LABEL[v]} max |gap| {results['variants'][v]['test']['completenessMaxAbs']:.2e}" for v in imn_variants) + ".")
    w("")
    w("## Training")
    w("")
    hp = tr["hyperparameters"]
    w(f"BCE-with-logits + {hp['lambdaMeanAbsW']} x mean|W|; AdamW (lr {hp['lr']}, weight decay {hp['weightDecay']}), cosine "
      f"schedule per step, batch {hp['batchSize']}, {hp['epochs']} epochs, seed {tr['seed']}, "
      "`torch.use_deterministic_algorithms(True)`, fixed thread count. Device: " + tr["device"] + ".")
    w("")
    w("| variant | train wall time (s) | train CPU time (s) |")
    w("|---|---|---|")
    for v in variants:
        info = results["variants"][v]
        w(f"| {VARIANT_LABEL[v]} | {info['trainWallTimeS']} | {info.get('trainCpuTimeS', 'n/a')} |")
    w(f"| whole `python -m training.train` run (load + 3 variants + evaluation) | {results['totalWallTimeS']} | {results.get('totalCpuTimeS', 'n/a')} |")
    w("")
    w("The machine's 2 cores were shared with other jobs during the run (load average at the end "
      f"{', '.join(f'{x:.1f}' for x in results.get('loadAverageAtEnd', []))}), so wall times are upper bounds.")
    w("")
    w("## Export check")
    w("")
    w(f"onnxruntime (CPU) vs PyTorch on the {manifest['exportParity']['records']} fold-9 records: max |diff| logits "
      f"{parity['logits']:.2e}, W {parity['W']:.2e}, bias {parity['bias']:.2e}; completeness |sum(W*x)+b - logit| of the ONNX "
      f"outputs {parity['completeness']:.2e} (all required < 1e-4).")
    w("")
    w("## Limitations")
    w("")
    w(f"- Trained on **{data['trainRecords']} records** (folds 1-8 of a 500-record subset), a tiny fraction of PTB-XL's ~17,000 "
      "training records: expect a much weaker model than the paper's. The numbers above are not comparable to published "
      "PTB-XL results and must not be read as such.")
    w(f"- The test fold has **{data['testRecords']} records**; classes have few positives ("
      + ", ".join(f"{c}: {data['testPositives'][c]}" for c in codes)
      + "), so the confidence intervals are wide and differences between variants are mostly within noise.")
    w(f"- Checkpoint selection on a {data['valRecords']}-record validation fold is itself noisy.")
    w("- Attributions of a weak model are not evidence about ECG physiology; the degeneracy table quantifies how "
      "concentrated they are, not whether they are right.")
    w("- PTB-XL comes from one German institution (1989-1996, Schiller devices): population and device shift apply.")
    w("- To retrain on full PTB-XL: `python -m training.train --ptbxl /path/to/ptb-xl` then `python -m training.export`.")
    w("")
    w("## License and citation")
    w("")
    w(f"Weights: {manifest['license']['weights']}. Data: {manifest['license']['data']}. Cite PTB-XL (Wagner et al., Sci Data 2020), "
      "PhysioNet (Goldberger et al. 2000), ECG-IMN (Thambawita et al. 2026) and IMN (Kadra et al. 2024).")
    w("")
    return "\n".join(L)
