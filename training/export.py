"""Export a trained run to the app's model bundle:

    python -m training.export [--run training/runs/latest] [--variant imn] [--ptbxl PATH]

Writes resources/models/<id>/{model.onnx, model.json, MODEL_CARD.md, reliability.png},
after checking ONNX vs PyTorch on the validation fold (fold 9) records.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .config import DEFAULT_PTBXL, DEFAULT_RUN_DIR, REPO_ROOT
from .data import VAL_FOLD, load_splits
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


def metrics_block(results: dict, variant: str) -> dict:
    def auroc(v):
        t = results["variants"][v]["test"]["auroc"]
        return {"macro": t["macro"], "perClass": t["perClass"], "bootstrapReplicates": t["bootstrap"]}

    out = {
        "split": f"PTB-XL strat_fold 10 (test), n = {results['data']['testRecords']}",
        "auroc": {"imn": auroc(variant)},
        "brier": {"imn": results["variants"][variant]["test"]["brier"]},
        "ece": {"imn": results["variants"][variant]["test"]["reliability"]["ece"]},
    }
    if "baseline" in results["variants"]:
        out["auroc"]["baseline"] = auroc("baseline")
        out["brier"]["baseline"] = results["variants"]["baseline"]["test"]["brier"]
    if "imn-lfr" in results["variants"] and variant != "imn-lfr":
        out["auroc"]["imnLfr"] = auroc("imn-lfr")
    out["degeneracy"] = {("imnLfr" if v == "imn-lfr" else "imn"): results["variants"][v]["test"]["degeneracy"]
                         for v in ("imn", "imn-lfr") if v in results["variants"]}
    out["localFidelity"] = {("imnLfr" if v == "imn-lfr" else "imn"): results["variants"][v]["test"].get("localFidelity")
                            for v in ("imn", "imn-lfr") if v in results["variants"]}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m training.export", description=__doc__)
    ap.add_argument("--run", type=Path, default=DEFAULT_RUN_DIR)
    ap.add_argument("--variant", default="imn", choices=("imn", "imn-lfr"))
    ap.add_argument("--ptbxl", type=Path, default=None, help="defaults to the path the run was trained on")
    ap.add_argument("--models-dir", type=Path, default=REPO_ROOT / "resources" / "models")
    args = ap.parse_args(argv)

    results = json.loads((args.run / "results.json").read_text())
    cfg = results["config"]
    model, ckpt = load_imn(args.run / f"{args.variant}.pt")
    mid = model_id(cfg["task"], cfg["sampling_rate"])
    length = cfg["sampling_rate"] * cfg["seconds"]
    out_dir = args.models_dir / mid
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "model.onnx"
    export_onnx(model, onnx_path, length)
    size = onnx_path.stat().st_size
    if size >= MAX_ONNX_BYTES:
        raise SystemExit(f"ONNX file is {size} bytes (limit {MAX_ONNX_BYTES})")

    ptbxl = args.ptbxl or Path(cfg["ptbxl"])
    if not ptbxl.exists():
        ptbxl = DEFAULT_PTBXL
    splits, _ = load_splits(ptbxl, cfg["task"], cfg["sampling_rate"], length, cfg.get("max_records", 0))
    val_x = splits["val"].x
    err = parity(model, onnx_path, val_x)
    print(f"ONNX parity on {len(val_x)} fold-{VAL_FOLD} records: {err}")
    bad = {k: v for k, v in err.items() if v >= PARITY_TOLERANCE}
    if bad:
        raise SystemExit(f"ONNX parity failed: {bad}")

    classes = SUPERDIAG_CLASSES if cfg["task"] == "superdiag" else BINARY_CLASSES
    variant_info = results["variants"][args.variant]
    training = {
        "data": f"PTB-XL at {ptbxl.resolve()} ({results['data']['recordsInDatabase']} records in ptbxl_database.csv; "
                f"{results['data']['droppedNoSuperclass']} without a diagnostic superclass dropped)",
        "dataCounts": results["data"],
        "split": "strat_fold 1-8 train, 9 validation (checkpoint selection only), 10 test (final evaluation only)",
        "labels": "superclass = diagnostic_class of every scp_code with diagnostic == 1 in scp_statements.csv (PTB-XL benchmark convention)",
        "seed": cfg["seed"],
        "codeCommit": git_commit(REPO_ROOT),
        "device": results["device"],
        "wallTimeS": variant_info["trainWallTimeS"],
        "runWallTimeS": results["totalWallTimeS"],
        "bestEpoch": variant_info["bestEpoch"],
        "bestValMacroAuroc": variant_info["bestValMacroAuroc"],
        "variant": args.variant,
        "hyperparameters": {
            "widths": cfg["widths"], "kernel": [3, 15], "lambdaMeanAbsW": cfg["lam"],
            "lfrWeight": cfg["lfr_weight"] if args.variant == "imn-lfr" else 0.0, "lfrSigma": cfg["lfr_sigma"],
            "epochs": cfg["epochs"], "batchSize": cfg["batch_size"], "optimizer": "AdamW", "lr": cfg["lr"],
            "weightDecay": cfg["weight_decay"], "schedule": "cosine (per step, to 0)", "loss": "BCEWithLogits + lambda * mean|W|",
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
        metrics=metrics_block(results, args.variant),
        extra={"exportParity": {"records": int(len(val_x)), "fold": VAL_FOLD, **{f"{k}MaxAbs": v for k, v in err.items()}},
               "modelCard": "MODEL_CARD.md"},
    )
    write_manifest(manifest, out_dir / "model.json")
    npz = np.load(args.run / f"{args.variant}_test.npz")
    plot_npz = {"imn": npz}
    if (args.run / "baseline_test.npz").exists():
        plot_npz["baseline"] = np.load(args.run / "baseline_test.npz")
    reliability_plot(plot_npz, [c["code"] for c in classes], out_dir / "reliability.png")
    (out_dir / "MODEL_CARD.md").write_text(render_model_card(manifest, results, args.variant, size, err))
    print(f"wrote {out_dir} (model.onnx {size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
