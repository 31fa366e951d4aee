"""MODEL_CARD.md and the reliability plot, rendered from the measured results.json
(nothing here is typed in by hand: every number comes from the run)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .preprocess import LEAD_ORDER

VARIANT_LABEL = {"imn": "ECG-IMN", "imn-lfr": "ECG-IMN + LFR", "baseline": "resnet1d_wang (black box)"}


def reliability_plot(curves: dict, codes, path: Path, bins: int = 10) -> None:
    """curves: name -> (y, p), N x K each. Left: all classes pooled per curve; right: the bundled
    (calibrated) IMN per class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4), dpi=110)
    edges = np.linspace(0, 1, bins + 1)

    def points(y, p):
        idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        return [(p[idx == b].mean(), y[idx == b].mean()) for b in range(bins) if (idx == b).any()]

    for i, (name, (y, p)) in enumerate(curves.items()):
        axes[0].plot(*zip(*points(y.ravel(), p.ravel())), "o-", color=palette[i % 6], label=f"{name} (pooled)")
    axes[0].plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect calibration")
    axes[0].set(xlabel="mean predicted probability", ylabel="observed frequency", title="Reliability, test fold, classes pooled",
                xlim=(0, 1), ylim=(0, 1))
    axes[0].legend(fontsize=8)
    y, p = curves["imn"]
    for c, code in enumerate(codes):
        axes[1].plot(*zip(*points(y[:, c], p[:, c])), "o-", ms=3, color=palette[c % 6], label=f"{code} (n+={int(y[:, c].sum())})")
    axes[1].plot([0, 1], [0, 1], "k--", lw=0.8)
    axes[1].set(xlabel="mean predicted probability", ylabel="observed frequency", title="ECG-IMN (calibrated) per class",
                xlim=(0, 1), ylim=(0, 1))
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _v(entry, digits: int = 3) -> str:
    if entry is None or entry.get("value") is None or np.isnan(entry["value"]):
        return "n/a"
    ci = entry.get("ci95")
    v = f"{entry['value']:.{digits}f}"
    return f"{v} ({ci[0]:.{digits}f}-{ci[1]:.{digits}f})" if ci else v


def _diff(d, n_boot: int) -> str:
    p = f"p < {1 / n_boot:g}" if d["pTwoSided"] == 0 else f"p = {d['pTwoSided']:.3f}"
    return f"{d['difference']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f}; {p})"


def render_model_card(manifest: dict, results: dict, ev: dict, variant: str, onnx_bytes: int, parity: dict) -> str:
    codes = [c["code"] for c in manifest["classes"]]
    names = {c["code"]: c["name"] for c in manifest["classes"]}
    data = manifest["training"]["data"]
    cfg = results["configPerVariant"].get(variant, results["config"])
    tr = manifest["training"]
    info = results["variants"][variant]
    has_base = "baseline" in ev["auroc"]
    L = []
    w = L.append
    w(f"# Model card: {manifest['name']}")
    w("")
    w(f"`{manifest['id']}` · architecture `ecg-imn` · bundled variant: **{VARIANT_LABEL[variant]}** · code commit `{tr['codeCommit']}`")
    w("")
    w("## Intended use")
    w("")
    w("Research **audit of explanations**: ECG-IMN (Thambawita, Isaksen, Kanters, Hammer, Halvorsen 2026, arXiv 2602.09566; "
      "an Interpretable Mesomorphic Network after Kadra et al., NeurIPS 2024) emits, for every ECG, a linear model "
      "`W` (classes x 12 leads x samples) and bias `b` whose dot product with the input *is* the logit, so `W * x` "
      "is an exact attribution. This bundle exists so the app can show and audit such attributions.")
    w("")
    w("**Not for diagnosis**, triage or any clinical decision: it is not a medical device and has not been validated clinically.")
    w("")
    w("## Model")
    w("")
    w(f"- Input `ecg` float32 `[batch, 12, {manifest['inputLength']}]` ({manifest['samplingRateHz']} Hz, 10 s), leads "
      f"{', '.join(LEAD_ORDER)}, preprocessed as below. Outputs `logits` `[batch, {len(codes)}]`, `W` "
      f"`[batch, {len(codes)}, 12, {manifest['inputLength']}]`, `bias` `[batch, {len(codes)}]`; "
      "probability = sigmoid(logit); `logit[c] = sum(W[c] * ecg) + bias[c]`.")
    w(f"- Encoder: 3 x (Conv2d 3x15 over lead x time, same padding, BatchNorm, GELU), max-pool x2 along time after blocks 1 and 2; "
      f"widths {cfg['widths']} (the paper uses 16/32/64). Decoder: (conv block + nearest x2 upsampling along time) twice, then a 3x15 conv to "
      f"{len(codes)} channels = `W`. Bias: global average pool of the encoder output -> Linear({cfg['widths'][2]} -> {len(codes)}). "
      f"{tr['parameters']:,} parameters; ONNX opset {manifest['onnx']['opset']}, {onnx_bytes / 1024:.0f} KB.")
    w("- Calibration is part of the weights: one temperature per class, fitted on fold 9 (minimum BCE of logit / T), divides "
      "the last decoder conv and the bias head of that class, so `W`, `b` and the logit the app shows are all the calibrated ones "
      "and `sum(W*x) + b = logit` still holds exactly. Temperatures: "
      + ", ".join(f"{c} {t:.3f}" for c, t in ev["temperatures"].items()) + ".")
    cost = results.get("stepCost")
    if cost:
        w(f"- Width choice, measured on this machine (`python -m training.tools.step_cost`, ms per training sample, batch "
          f"{cost['batch']}, {cost['threads']} threads; default / channels-last layout): "
          + ", ".join(f"{r['widths']} {r['msPerSample']:.1f}" + (" (channels-last)" if r["channelsLast"] else "") for r in cost["rows"])
          + ". Training uses channels-last; the widths are those that fit the time budget.")
    w("")
    w("## Data")
    w("")
    w(f"PTB-XL (Wagner et al. 2020, CC BY 4.0): label file sha256 `{data['labelFileSha256'][:16]}...` with "
      f"**{data['recordsInDatabase']} rows**; {data['droppedNoSuperclass']} without a diagnostic superclass dropped (PTB-XL benchmark convention), "
      f"{data['droppedNoRecordFile']} without a record file dropped, {len(results['data'].get('droppedRefused', []))} refused by preprocessing; "
      f"**{data['recordsUsed']} records used** at {manifest['samplingRateHz']} Hz (sorted record list sha256 `{data['recordFilesSha256'][:16]}...`). "
      "Labels: a record belongs to a superclass if any of its `scp_codes` (any likelihood) with `diagnostic == 1` in "
      "`scp_statements.csv` maps to that `diagnostic_class`.")
    w("")
    w("| split | folds | records | " + " | ".join(f"{c} +" for c in codes) + " |")
    w("|---|---|---|" + "---|" * len(codes))
    for split, folds in (("train", "1-8"), ("val", "9"), ("test", "10")):
        pos = data[f"{split}Positives"]
        w(f"| {split} | {folds} | {data[f'{split}Records']} | " + " | ".join(str(pos[c]) for c in codes) + " |")
    w("")
    w("Fold 9 picks the checkpoint (best validation macro AUROC over epochs) and fits the temperatures; fold 10 is evaluated once, after both.")
    w("")
    w("## Preprocessing (exact; the app reimplements it bit for bit, proved by shared test vectors)")
    w("")
    w("1. Leads selected by name (case-insensitive) and ordered I, II, III, aVR, aVL, aVF, V1-V6.")
    w("2. Resampled to the model rate with `scipy.signal.resample_poly(x, up, down, axis=-1)`, scipy defaults "
      "(`window=('kaiser', 5.0)`, `padtype='constant'`), up/down = reduced fraction target/source; no resampling when equal. No other filtering.")
    w("3. Windows of L samples, hop L/2, plus an end-aligned last window if the hop grid leaves a tail; records shorter than L are rejected.")
    w("4. Per window and lead: `(x - mean) / (std + 1e-6)`, population std, float64 with sequential sums, cast to float32.")
    w("5. Record-level probability in the app = max over windows of sigmoid(logit).")
    w(f"6. Missing (NaN) samples: the record is refused, in training and in the app (`preprocessing.missingSamples: "
      f"\"{manifest['preprocessing']['missingSamples']}\"`).")
    gap = ev.get("rateGap")
    if gap:
        w("")
        w(f"**500 Hz files vs PTB-XL's own 100 Hz files.** Training read PTB-XL's 100 Hz files; the app resamples whatever rate a file has. "
          f"On the {gap['records']} records that exist at both rates, the two model inputs differ by RMS {gap['inputRmsZ']['mean']:.3f} "
          f"z-units (max {gap['inputRmsZ']['max']:.3f}), and {gap['decisionFlips']} of {gap['decisions']} class decisions at 0.5 differ "
          f"({gap['testFoldDecisionFlips']} on the {gap['testFoldRecords']} of them in fold 10; largest probability difference "
          f"{gap['maxAbsProbabilityDifference']:.3f}). PTB-XL's 100 Hz files were made by its authors with another downsampling filter; "
          "the figures below are for 100 Hz files.")
    w("")
    w(f"## Test results (fold 10, {ev['n']} records, measured once)")
    w("")
    w(f"Percentile bootstrap 95% CIs over records ({ev['auroc']['imn']['bootstrap']} resamples, seed {cfg['seed']}). "
      + ("The black box is resnet1d_wang trained on the same records, split, preprocessing and seed; the difference column is "
         "IMN minus black box with a paired bootstrap (both scored on each resample)." if has_base else "No black-box run is in this training run."))
    w("")
    cols = ["ECG-IMN AUROC"] + (["black box AUROC", "IMN - black box"] if has_base else []) + ["ECG-IMN AUPRC"] + (["black box AUPRC"] if has_base else [])
    w("| class | positives | " + " | ".join(cols) + " |")
    w("|---|---|" + "---|" * len(cols))
    for c in codes:
        cells = [_v(ev["auroc"]["imn"]["perClass"][c])]
        if has_base:
            cells += [_v(ev["auroc"]["baseline"]["perClass"][c]), _diff(ev["imnMinusBaselineAuroc"]["perClass"][c], ev["imnMinusBaselineAuroc"]["bootstrap"])]
        cells.append(_v(ev["auprc"]["imn"]["perClass"][c]))
        if has_base:
            cells.append(_v(ev["auprc"]["baseline"]["perClass"][c]))
        w(f"| {c} ({names[c]}) | {ev['auroc']['imn']['perClass'][c]['positives']} | " + " | ".join(cells) + " |")
    cells = [f"**{_v(ev['auroc']['imn']['macro'], 4)}**"]
    if has_base:
        cells += [f"**{_v(ev['auroc']['baseline']['macro'], 4)}**", f"**{_diff(ev['imnMinusBaselineAuroc']['macro'], ev['imnMinusBaselineAuroc']['bootstrap'])}**"]
    cells.append(_v(ev["auprc"]["imn"]["macro"]))
    if has_base:
        cells.append(_v(ev["auprc"]["baseline"]["macro"]))
    w("| **macro** | | " + " | ".join(cells) + " |")
    w("")
    w("For scale: the PTB-XL benchmark (Strodthoff et al. 2021) reports superdiagnostic macro AUROC 0.930 for resnet1d_wang, "
      "0.928 for xresnet1d101 and 0.921 for inception1d at 100 Hz, trained much longer on GPUs.")
    app = ev.get("appPath")
    if app:
        w("")
        w(f"**Through the app.** `ecg-audit evaluate` on the same {app['n']} fold-10 files (the app's TypeScript preprocessing and "
          f"onnxruntime-node) gives macro AUROC {app['aurocMacro']:.4f}; per class "
          + ", ".join(f"{c} {v:.4f}" for c, v in app["aurocPerClass"].items())
          + f". Largest difference to the PyTorch figures above: {app['maxAbsDifferenceToPytorch']:.1e}.")
    w("")
    w("Validation (fold 9) macro AUROC per epoch: " + ", ".join(f"{h['epoch']}: {h['valMacroAuroc']:.3f}" for h in info["history"])
      + f"; selected epoch {info['bestEpoch']}.")
    w("")
    w("### Calibration")
    w("")
    cal = ev["calibration"]
    heads = ["ECG-IMN before temperature", "ECG-IMN (bundled)"] + (["black box"] if has_base else [])
    keys = ["beforeTemperature", "afterTemperature"] + (["baseline"] if has_base else [])
    w("| | " + " | ".join(heads) + " |")
    w("|---|" + "---|" * len(heads))
    for c in codes:
        w(f"| Brier {c} | " + " | ".join(f"{cal[k]['brier']['perClass'][c]:.4f}" for k in keys) + " |")
    w("| Brier mean | " + " | ".join(f"{cal[k]['brier']['mean']:.4f}" for k in keys) + " |")
    w("| ECE (10 bins, classes pooled) | " + " | ".join(f"{cal[k]['ece']:.4f}" for k in keys) + " |")
    w("")
    w("![reliability](reliability.png)")
    w("")
    w("## Explanations")
    w("")
    w("**Degeneracy** (test fold, per class): share of the total `|W * x|` mass on the top 1% of the 12 x L cells "
      "(uniform: 0.010) and on the heaviest lead (uniform: 0.083); mean (median). High values mean the explanation collapses "
      "onto a few samples or one lead. (Temperatures scale a class's W*x uniformly, so these shares are the same before and after.)")
    w("")
    w("| class | top-1% share | top-lead share | most frequent top lead |")
    w("|---|---|---|---|")
    for c in codes:
        d = ev["degeneracy"][c]
        w(f"| {c} | {d['topSampleShare']['mean']:.3f} ({d['topSampleShare']['median']:.3f}) | "
          f"{d['topLeadShare']['mean']:.3f} ({d['topLeadShare']['median']:.3f}) | {d['mostFrequentTopLead']} "
          f"({d['mostFrequentTopLeadRecords']} records) |")
    w("")
    w(f"Completeness on the test fold (float64 recomputation of sum(W*x)+b vs the logit): max |gap| {ev['completenessMaxAbs']:.2e}.")
    ludb = ev.get("ludb")
    if ludb:
        w("")
        w(f"**Localisation on LUDB** ({ludb['records']} records at 500 Hz, resampled as the app does; cardiologists' P, QRS and T "
          "delineation per lead). For each class the model predicts (p >= 0.5) on a record: the share of that class's `|W * x|` "
          "mass inside the delineated waves of each lead, against the share of (lead, time) cells the waves cover. "
          "Mass share above time share means the evidence concentrates on the waves.")
        w("")
        w("| class | records predicted | mass in P / QRS / T | time in P / QRS / T | mass in any wave | time in any wave |")
        w("|---|---|---|---|---|---|")
        for c in codes:
            d = ludb["localisation"][c]
            if not d["records"]:
                w(f"| {c} | 0 | | | | |")
                continue
            w(f"| {c} | {d['records']} | {d['massP']:.2f} / {d['massQRS']:.2f} / {d['massT']:.2f} | "
              f"{d['timeP']:.2f} / {d['timeQRS']:.2f} / {d['timeT']:.2f} | {d['massInside']:.2f} | {d['timeInside']:.2f} |")
    w("")
    w("## Sanity cases")
    w("")
    w("PTB-XL records 8, 30 and 77 are the ones the previous, subset-trained model got wrong. "
      + " ".join(f"Record {r['ecgId']}: reference {'/'.join(r['referenceSuperclasses']) or 'none'}, model "
                 f"{'/'.join(r['predictedAt05']) or 'nothing'} at 0.5 ("
                 + ("right" if set(r["predictedAt05"]) == set(r["referenceSuperclasses"]) else "still wrong") + ")."
                 for r in ev["sanityRecords"]))
    w("")
    w("| record | fold | reference statements (likelihood) | " + " | ".join(codes) + " |")
    w("|---|---|---|" + "---|" * len(codes))
    for r in ev["sanityRecords"]:
        ref = ", ".join(f"{k} ({v:.0f})" for k, v in r["reference"].items())
        w(f"| PTB-XL {r['ecgId']} | {r['fold']} | {ref} | " + " | ".join(f"{r['probabilities'][c]:.3f}" for c in codes) + " |")
    if ludb:
        for r in ludb["atrialFibrillation"]:
            w(f"| LUDB {r['ludbId']} | - | {r['rhythm']} | " + " | ".join(f"{r['probabilities'][c]:.3f}" for c in codes) + " |")
    w("")
    w("## Training")
    w("")
    hp = tr["hyperparameters"]
    w(f"BCE-with-logits + {hp['lambdaMeanAbsW']} x mean|W|; AdamW (lr {hp['lr']}, weight decay {hp['weightDecay']}), linear warm-up over "
      f"{hp['warmupSteps']} steps then cosine decay per step, gradient norm clipped at {hp['clipNorm']}, batch {hp['batchSize']}, "
      f"{tr['epochsRun']} of {hp['epochs']} planned epochs" + (" (stopped by the time budget)" if tr["stoppedByTimeBudget"] else "")
      + f", seed {tr['seed']}, deterministic algorithms, fixed thread count. Device: {tr['device']}. Training wall time "
      f"{tr['wallTimeS'] / 60:.0f} min (CPU {info['trainCpuTimeS'] / 60:.0f} min); the 2 cores were shared with other work.")
    first = info["history"][0]
    w(f"Warm-up and clipping keep the first epoch stable: epoch 1 mean training loss {first['trainLoss']:.3f}, largest gradient norm "
      f"before clipping {first.get('maxGradNormBeforeClip', float('nan')):.1f}. They were set before training, not tuned on fold 9.")
    w("")
    w("## Export check")
    w("")
    w(f"onnxruntime (CPU) vs PyTorch on the {manifest['exportParity']['records']} fold-9 records: max |diff| logits "
      f"{parity['logits']:.2e}, W {parity['W']:.2e}, bias {parity['bias']:.2e}; completeness |sum(W*x)+b - logit| of the ONNX "
      f"outputs {parity['completeness']:.2e} (all required < 1e-4).")
    w("")
    w("## Limitations")
    w("")
    w("- Five superdiagnostic classes only: **no rhythm class**. Atrial fibrillation, flutter and other rhythms are not what the "
      "model predicts; the LUDB atrial-fibrillation rows above show what it says about them, which is not a rhythm diagnosis.")
    w(f"- Trained on a CPU budget: {tr['epochsRun']} epochs at widths {cfg['widths']}, narrower than the paper's network.")
    w("- The temperatures were fitted on fold 9, which also selected the checkpoint.")
    w("- PTB-XL comes from one German institution (1989-1996, Schiller devices): population and device shift apply; "
      "files at other rates pass through the app's resampler (see the 500 Hz vs 100 Hz gap above).")
    w("- Attributions are exact for this model; whether they are clinically valid is what the app's audit measures.")
    w("")
    w("## Reproduce")
    w("")
    w("See `training/README.md`: fetch the records, `python -m training.train --ptbxl DIR --labels FILE ...`, "
      "`python -m training.export [--app-eval FILE]`.")
    w("")
    w("## License and citation")
    w("")
    w(f"Weights: {manifest['license']['weights']}. Data: {manifest['license']['data']}. Cite PTB-XL (Wagner et al., Sci Data 2020), "
      "PhysioNet (Goldberger et al. 2000), ECG-IMN (Thambawita et al. 2026) and IMN (Kadra et al. 2024).")
    w("")
    return "\n".join(L)
