"""Export a trained run to the app's model bundle:

    python -m training.export [--run training/runs/latest] [--variant imn] [--app-eval FILE]

Fits one temperature per class on fold 9 and folds it into the weights, checks ONNX vs
PyTorch on fold 9, evaluates fold 10 (AUROC, AUPRC, calibration before/after, the paired
difference to the black box), LUDB localisation, the 500 vs 100 Hz input gap and named sanity
records, and writes resources/models/<id>/{model.onnx, model.json, evaluation.json,
MODEL_CARD.md, reliability.png}. The data the run was trained on must still be there: the
card describes that run and no other.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from . import analysis, metrics
from .config import DEFAULT_PTBXL, DEFAULT_RUN_DIR, REPO_ROOT
from .data import TEST_FOLD, VAL_FOLD, class_codes, load_splits
from .manifest import BINARY_CLASSES, SUPERDIAG_CLASSES, build_manifest, git_commit, write_manifest
from .model import EcgImn, ImnArch
from .model_card import render_model_card, reliability_plot
from .onnx_export import OPSET, export_onnx, parity

PARITY_TOLERANCE = 1e-4
MAX_ONNX_BYTES = 20 * 1024 * 1024


def model_id(task: str, rate: int) -> str:
    return f"ecg-imn-ptbxl-{'superdiag' if task == 'superdiag' else 'binary'}-{rate}hz"


def load_imn(checkpoint: Path) -> tuple[EcgImn, dict]:
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = EcgImn(ImnArch(num_classes=ckpt["numClasses"], widths=tuple(ckpt["widths"])))
    model.load_state_dict(ckpt["state_dict"])
    return model.eval(), ckpt


SANITY_ECG_IDS = (8, 30, 77)  # an inferior MI, an LVH and an anterior MI the subset-trained model called NORM


def fail(msg: str) -> None:
    raise SystemExit(f"export: {msg}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.export", description=__doc__)
    ap.add_argument("--run", type=Path, default=DEFAULT_RUN_DIR)
    ap.add_argument("--variant", default="imn", choices=("imn", "imn-lfr"))
    ap.add_argument("--ptbxl", type=Path, default=None, help="records folder the run used (default: from the run)")
    ap.add_argument("--labels", type=Path, default=None, help="label file the run used (default: from the run)")
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--ludb", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "ludb")
    ap.add_argument("--subset", type=Path, default=DEFAULT_PTBXL, help="PTB-XL folder holding both 100 and 500 Hz files")
    ap.add_argument("--app-eval", type=Path, default=None,
                    help="JSON of `ecg-audit evaluate` on the same test fold through the app's preprocessing and ONNX path")
    ap.add_argument("--models-dir", type=Path, default=REPO_ROOT / "resources" / "models")
    args = ap.parse_args(argv)

    results = json.loads((args.run / "results.json").read_text())
    if (args.run / "step_cost.json").exists():
        results["stepCost"] = json.loads((args.run / "step_cost.json").read_text())
    cfg = results["configPerVariant"].get(args.variant, results["config"])
    ptbxl = args.ptbxl or Path(cfg["ptbxl"])
    labels = args.labels or (Path(cfg["labels"]) if cfg.get("labels") else ptbxl / "ptbxl_database.csv")
    if not (ptbxl.is_dir() and labels.is_file()):
        fail(f"the run's data is not at {ptbxl} / {labels}; pass --ptbxl/--labels pointing at the same records")
    length = cfg["sampling_rate"] * cfg["seconds"]
    splits, data_info = load_splits(ptbxl, cfg["task"], cfg["sampling_rate"], length, cfg.get("max_records", 0),
                                    labels=labels, cache_dir=args.cache_dir or (Path(cfg["cache_dir"]) if cfg.get("cache_dir") else None))
    if data_info["recordFilesSha256"] != results["data"]["recordFilesSha256"]:
        fail("the records found differ from those the run was trained on (record list hash)")
    codes = list(class_codes(cfg["task"]))
    n_boot, seed = cfg["bootstrap"], cfg["seed"]

    raw, ckpt = load_imn(args.run / f"{args.variant}.pt")
    val_logits, _ = analysis.run_imn(raw, splits["val"].x, want_contrib=False)
    temps = analysis.fit_temperatures(val_logits, splits["val"].y)
    model = analysis.fold_temperature(raw, temps)
    print("temperatures (fold 9): " + ", ".join(f"{c} {t:.3f}" for c, t in zip(codes, temps)))

    mid = model_id(cfg["task"], cfg["sampling_rate"])
    out_dir = args.models_dir / mid
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "model.onnx"
    export_onnx(model, onnx_path, length)
    size = onnx_path.stat().st_size
    if size >= MAX_ONNX_BYTES:
        fail(f"ONNX file is {size} bytes (limit {MAX_ONNX_BYTES})")
    err = parity(model, onnx_path, np.array(splits["val"].x))
    print(f"ONNX parity on {len(splits['val'].x)} fold-{VAL_FOLD} records: {err}")
    bad = {k: v for k, v in err.items() if v >= PARITY_TOLERANCE}
    if bad:
        fail(f"ONNX parity failed: {bad}")

    test = splits["test"]
    raw_logits, _ = analysis.run_imn(raw, test.x, want_contrib=False)
    cal_logits, _ = analysis.run_imn(model, test.x, want_contrib=False)
    p_raw, p_cal = metrics.sigmoid(raw_logits), metrics.sigmoid(cal_logits)
    ev = {
        "testFold": TEST_FOLD, "n": int(len(test.y)),
        "temperatures": dict(zip(codes, map(float, temps))),
        "auroc": {"imn": analysis.score_table(test.y, p_cal, codes, analysis.roc_auc_score, n_boot, seed)},
        "auprc": {"imn": analysis.score_table(test.y, p_cal, codes, analysis.average_precision_score, n_boot, seed)},
        "calibration": {"beforeTemperature": analysis.calibration_summary(test.y, p_raw, codes),
                        "afterTemperature": analysis.calibration_summary(test.y, p_cal, codes)},
        "degeneracy": results["variants"][args.variant]["test"]["degeneracy"],
        "completenessMaxAbs": results["variants"][args.variant]["test"]["completenessMaxAbs"],
    }
    npz_base = args.run / "baseline_test.npz"
    if "baseline" in results["variants"] and npz_base.exists():
        base = np.load(npz_base)
        if not np.array_equal(base["ids"], test.ids):
            fail("baseline_test.npz holds other records than this test fold")
        p_base = base["p"]
        ev["auroc"]["baseline"] = analysis.score_table(test.y, p_base, codes, analysis.roc_auc_score, n_boot, seed)
        ev["auprc"]["baseline"] = analysis.score_table(test.y, p_base, codes, analysis.average_precision_score, n_boot, seed)
        ev["calibration"]["baseline"] = analysis.calibration_summary(test.y, p_base, codes)
        ev["imnMinusBaselineAuroc"] = analysis.paired_difference(test.y, p_cal, p_base, codes, n_boot, seed)
    ev["sanityRecords"] = analysis.sanity_records(model, ptbxl, labels, SANITY_ECG_IDS, codes, cfg["sampling_rate"], length)
    if args.ludb.is_dir():
        ev["ludb"] = analysis.ludb_analysis(model, args.ludb, codes, cfg["sampling_rate"], length)
    if args.subset.is_dir():
        ev["rateGap"] = analysis.rate_gap(model, args.subset, TEST_FOLD, cfg["sampling_rate"], length)
    if args.app_eval:
        ev["appPath"] = analysis.compare_app_evaluation(json.loads(args.app_eval.read_text()), ev["auroc"]["imn"], codes)
    (out_dir / "evaluation.json").write_text(json.dumps(ev, indent=2) + "\n")

    classes = SUPERDIAG_CLASSES if cfg["task"] == "superdiag" else BINARY_CLASSES
    variant_info = results["variants"][args.variant]
    training = {
        "data": {k: v for k, v in data_info.items() if k not in ("droppedRefused", "labelFile")},
        "recordsFolder": str(ptbxl),
        "split": "strat_fold 1-8 train, 9 validation (checkpoint selection and temperatures only), 10 test (final evaluation only)",
        "labels": "superclass = diagnostic_class of every scp_code with diagnostic == 1 in scp_statements.csv (PTB-XL benchmark convention)",
        "seed": cfg["seed"],
        "codeCommit": git_commit(REPO_ROOT),
        "device": results["device"],
        "wallTimeS": variant_info["trainWallTimeS"],
        "epochsRun": variant_info["epochsRun"],
        "stoppedByTimeBudget": variant_info["stoppedByTimeBudget"],
        "bestEpoch": variant_info["bestEpoch"],
        "bestValMacroAuroc": variant_info["bestValMacroAuroc"],
        "variant": args.variant,
        "temperatures": ev["temperatures"],
        "hyperparameters": {
            "widths": cfg["widths"], "kernel": [3, 15], "lambdaMeanAbsW": cfg["lam"],
            "lfrWeight": cfg["lfr_weight"] if args.variant == "imn-lfr" else 0.0, "lfrSigma": cfg["lfr_sigma"],
            "epochs": cfg["epochs"], "batchSize": cfg["batch_size"], "optimizer": "AdamW", "lr": cfg["lr"],
            "weightDecay": cfg["weight_decay"], "warmupSteps": cfg["warmup_steps"], "clipNorm": cfg["clip_norm"],
            "schedule": "linear warm-up, then cosine (per step, to 0)", "loss": "BCEWithLogits + lambda * mean|W|",
        },
        "parameters": variant_info["parameters"],
    }
    manifest = build_manifest(
        model_id=mid,
        name=f"ECG-IMN, PTB-XL {'superdiagnostic (5 classes)' if cfg['task'] == 'superdiag' else 'NORM vs abnormal'}, {cfg['sampling_rate']} Hz",
        task="ptbxl-superdiagnostic" if cfg["task"] == "superdiag" else "ptbxl-binary",
        classes=classes,
        sampling_rate_hz=cfg["sampling_rate"],
        length=length,
        onnx_path=onnx_path,
        opset=OPSET,
        training=training,
        metrics={"testFold": TEST_FOLD, "n": ev["n"], "aurocMacro": ev["auroc"]["imn"]["macro"],
                 "aurocPerClass": ev["auroc"]["imn"]["perClass"], "details": "evaluation.json"},
        extra={"exportParity": {"records": int(len(splits["val"].x)), "fold": VAL_FOLD, **{f"{k}MaxAbs": v for k, v in err.items()}},
               "modelCard": "MODEL_CARD.md"},
    )
    write_manifest(manifest, out_dir / "model.json")
    plot = {"imn (before temperature)": (test.y, p_raw), "imn": (test.y, p_cal)}
    if "baseline" in ev["auroc"]:
        plot["baseline"] = (test.y, p_base)
    reliability_plot(plot, codes, out_dir / "reliability.png")
    (out_dir / "MODEL_CARD.md").write_text(render_model_card(manifest, results, ev, args.variant, size, err))
    print(f"wrote {out_dir} (model.onnx {size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
