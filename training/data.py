"""PTB-XL loading: labels by the standard superdiagnostic aggregation, strat_fold split,
signals via wfdb, preprocessed by training.preprocess (the same code the app mirrors)."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb

from .preprocess import preprocess_single_window

SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")
TRAIN_FOLDS = tuple(range(1, 9))
VAL_FOLD = 9
TEST_FOLD = 10


@dataclass
class Split:
    ids: np.ndarray        # ecg_id
    x: np.ndarray          # N x 12 x L float32, z-scored
    y: np.ndarray          # N x K float32 multi-hot


def superclass_table(ptbxl: Path) -> pd.DataFrame:
    """ecg_id -> sorted list of superclasses. As in the PTB-XL benchmark (Strodthoff et al.
    2021): every scp_code of the record (any likelihood) with diagnostic == 1 in
    scp_statements.csv contributes its diagnostic_class."""
    db = pd.read_csv(ptbxl / "ptbxl_database.csv", index_col="ecg_id")
    stmts = pd.read_csv(ptbxl / "scp_statements.csv", index_col=0)
    diag = stmts[stmts["diagnostic"] == 1]["diagnostic_class"]

    def aggregate(codes: str) -> list[str]:
        return sorted({diag[c] for c in ast.literal_eval(codes) if c in diag.index})

    db["superclasses"] = db["scp_codes"].apply(aggregate)
    return db


def labels_for(superclasses: list[str], task: str) -> list[float]:
    if task == "superdiag":
        return [1.0 if c in superclasses else 0.0 for c in SUPERCLASSES]
    if task == "binary":
        # Abnormal = carries any superclass other than NORM; NORM-only records are negatives.
        return [1.0 if any(c != "NORM" for c in superclasses) else 0.0]
    raise ValueError(task)


def class_codes(task: str) -> tuple[str, ...]:
    return SUPERCLASSES if task == "superdiag" else ("ABN",)


def load_record(ptbxl: Path, row: pd.Series, sampling_rate: int, length: int) -> np.ndarray:
    rel = row["filename_lr"] if sampling_rate == 100 else row["filename_hr"]
    signal, fields = wfdb.rdsamp(str(ptbxl / rel))
    sig = np.nan_to_num(signal.T.astype(np.float64))  # wfdb gives samples x leads
    return preprocess_single_window(sig, fields["sig_name"], int(fields["fs"]), sampling_rate, length)


def load_splits(ptbxl: Path, task: str, sampling_rate: int, length: int, max_records: int = 0) -> tuple[dict[str, Split], dict]:
    db = superclass_table(ptbxl)
    n_all = len(db)
    kept = db[db["superclasses"].str.len() > 0]
    if max_records:
        kept = kept.iloc[:max_records]
    info = {"recordsInDatabase": n_all, "droppedNoSuperclass": int(n_all - len(db[db["superclasses"].str.len() > 0]))}
    splits = {}
    for name, folds in (("train", TRAIN_FOLDS), ("val", (VAL_FOLD,)), ("test", (TEST_FOLD,))):
        part = kept[kept["strat_fold"].isin(folds)]
        x = np.stack([load_record(ptbxl, row, sampling_rate, length) for _, row in part.iterrows()]) if len(part) else np.zeros((0, 12, length), np.float32)
        y = np.array([labels_for(s, task) for s in part["superclasses"]], dtype=np.float32).reshape(len(part), -1)
        splits[name] = Split(ids=part.index.to_numpy(), x=x, y=y)
        info[f"{name}Records"] = int(len(part))
        info[f"{name}Positives"] = {c: int(y[:, i].sum()) for i, c in enumerate(class_codes(task))}
    return splits, info
