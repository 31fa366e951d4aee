"""Training configuration: one dataclass, mirrored 1:1 by the CLI flags of training.train."""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PTBXL = REPO_ROOT.parent / "shared" / "data" / "ptbxl"
DEFAULT_RUN_DIR = REPO_ROOT / "training" / "runs" / "latest"

TASKS = ("superdiag", "binary")
VARIANTS = ("imn", "imn-lfr", "baseline")


@dataclass
class TrainConfig:
    ptbxl: Path = DEFAULT_PTBXL
    labels: Path | None = None         # ptbxl_database.csv when not inside --ptbxl (scp_statements.csv beside it)
    cache_dir: Path | None = None      # preprocessed-array cache; default training/runs/cache
    out: Path = DEFAULT_RUN_DIR
    task: str = "superdiag"            # superdiag: 5 PTB-XL superclasses; binary: NORM-only vs abnormal
    sampling_rate: int = 100           # 100 (records100, L=1000) or 500 (records500, L=5000)
    seconds: int = 10
    variants: tuple[str, ...] = VARIANTS
    widths: tuple[int, int, int] = (8, 16, 64)   # small c1,c2 keep the 2-core CPU budget; c3 = 64 as in the paper
    baseline_width: int = 64
    lam: float = 1e-4                  # weight of mean|W| (sparsity of explanations)
    lfr_weight: float = 1.0            # weight of the local-fidelity penalty in the imn-lfr variant
    lfr_sigma: float = 0.1             # std of the Gaussian perturbation, in z-score units
    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 2                   # intra-op threads (fixed for determinism); 2 threads scale ~1.9x here
    jobs: int = 1                      # variants trained in parallel processes (1 = sequential)
    warmup_steps: int = 200            # linear lr warm-up before the cosine decay (the IMN diverges without it)
    clip_norm: float = 1.0             # max global gradient norm
    time_budget_min: float = 0.0       # 0 = none; otherwise no epoch starts that would end past it
    resume: bool = False               # continue the run in --out from its last per-epoch checkpoint
    bootstrap: int = 1000
    max_records: int = 0               # 0 = all; >0 only for smoke tests

    @property
    def length(self) -> int:
        return self.sampling_rate * self.seconds

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["ptbxl"] = str(self.ptbxl)
        d["labels"] = str(self.labels) if self.labels else None
        d["cache_dir"] = str(self.cache_dir) if self.cache_dir else None
        d["out"] = str(self.out)
        d["variants"] = list(self.variants)
        d["widths"] = list(self.widths)
        return d


def parse_args(argv=None) -> TrainConfig:
    defaults = TrainConfig()
    ap = argparse.ArgumentParser(prog="python -m training.train", description="Train ECG-IMN, ECG-IMN+LFR and the black-box baseline on PTB-XL.")
    ap.add_argument("--ptbxl", type=Path, default=defaults.ptbxl, help="PTB-XL root (ptbxl_database.csv, records100/, records500/)")
    ap.add_argument("--labels", type=Path, default=None, help="ptbxl_database.csv when it is not inside --ptbxl")
    ap.add_argument("--cache-dir", type=Path, default=None, help="preprocessed-array cache (default training/runs/cache)")
    ap.add_argument("--out", type=Path, default=defaults.out, help="run directory for checkpoints and results.json")
    ap.add_argument("--task", choices=TASKS, default=defaults.task)
    ap.add_argument("--sampling-rate", type=int, choices=(100, 500), default=defaults.sampling_rate)
    ap.add_argument("--variants", default=",".join(defaults.variants), help=f"comma list from {VARIANTS}")
    ap.add_argument("--widths", default=",".join(map(str, defaults.widths)), help="IMN encoder channel widths c1,c2,c3")
    ap.add_argument("--baseline-width", type=int, default=defaults.baseline_width)
    ap.add_argument("--lam", type=float, default=defaults.lam)
    ap.add_argument("--lfr-weight", type=float, default=defaults.lfr_weight)
    ap.add_argument("--lfr-sigma", type=float, default=defaults.lfr_sigma)
    ap.add_argument("--epochs", type=int, default=defaults.epochs)
    ap.add_argument("--batch-size", type=int, default=defaults.batch_size)
    ap.add_argument("--lr", type=float, default=defaults.lr)
    ap.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    ap.add_argument("--seed", type=int, default=defaults.seed)
    ap.add_argument("--threads", type=int, default=defaults.threads)
    ap.add_argument("--jobs", type=int, default=defaults.jobs, help="variants trained in parallel processes")
    ap.add_argument("--warmup-steps", type=int, default=defaults.warmup_steps)
    ap.add_argument("--clip-norm", type=float, default=defaults.clip_norm)
    ap.add_argument("--time-budget-min", type=float, default=defaults.time_budget_min,
                    help="stop cleanly before an epoch that would end past this many minutes (results written per variant)")
    ap.add_argument("--resume", action="store_true", help="continue from <out>/<variant>.last.pt")
    ap.add_argument("--bootstrap", type=int, default=defaults.bootstrap)
    ap.add_argument("--max-records", type=int, default=defaults.max_records)
    a = ap.parse_args(argv)
    variants = tuple(v.strip() for v in a.variants.split(",") if v.strip())
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        ap.error(f"unknown variants {bad}")
    widths = tuple(int(w) for w in a.widths.split(","))
    if len(widths) != 3:
        ap.error("--widths needs three integers")
    return TrainConfig(
        ptbxl=a.ptbxl, labels=a.labels, cache_dir=a.cache_dir, out=a.out, task=a.task, sampling_rate=a.sampling_rate, variants=variants, widths=widths,
        baseline_width=a.baseline_width, lam=a.lam, lfr_weight=a.lfr_weight, lfr_sigma=a.lfr_sigma, epochs=a.epochs,
        batch_size=a.batch_size, lr=a.lr, weight_decay=a.weight_decay, seed=a.seed, threads=a.threads, jobs=a.jobs,
        warmup_steps=a.warmup_steps, clip_norm=a.clip_norm, time_budget_min=a.time_budget_min, resume=a.resume,
        bootstrap=a.bootstrap, max_records=a.max_records,
    )
