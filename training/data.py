"""PTB-XL loading: labels by the standard superdiagnostic aggregation, strat_fold split,
signals via wfdb, preprocessed by training.preprocess (the same code the app mirrors).

The preprocessed windows are written once into a memory-mapped float32 cache, ordered
train | val | test so every split is a contiguous view of one file: epochs read pages from
the OS cache instead of re-reading 21,799 WFDB records, and nothing is copied per split.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb

from .preprocess import PreprocessError, preprocess_single_window

DEFAULT_CACHE_DIR = Path(__file__).resolve().parent / "runs" / "cache"  # beside the runs, never inside the data

SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")
TRAIN_FOLDS = tuple(range(1, 9))
VAL_FOLD = 9
TEST_FOLD = 10
SPLITS = (("train", TRAIN_FOLDS), ("val", (VAL_FOLD,)), ("test", (TEST_FOLD,)))
# What the app does with a record holding NaN (missing) samples, and so what training does: refuse it.
MISSING_SAMPLES_POLICY = "refuse"


@dataclass
class Split:
    ids: np.ndarray        # ecg_id
    x: np.ndarray          # N x 12 x L float32, z-scored (a view of the memory-mapped cache)
    y: np.ndarray          # N x K float32 multi-hot


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def superclass_table(labels: Path) -> pd.DataFrame:
    """ecg_id -> sorted list of superclasses. As in the PTB-XL benchmark (Strodthoff et al.
    2021): every scp_code of the record (any likelihood) with diagnostic == 1 in
    scp_statements.csv (beside the label file) contributes its diagnostic_class."""
    db = pd.read_csv(labels, index_col="ecg_id")
    stmts = pd.read_csv(labels.parent / "scp_statements.csv", index_col=0)
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


def record_relpath(row: pd.Series, sampling_rate: int) -> str:
    return row["filename_lr"] if sampling_rate == 100 else row["filename_hr"]


def load_record(path: Path, sampling_rate: int, length: int) -> np.ndarray:
    signal, fields = wfdb.rdsamp(str(path))
    sig = signal.T.astype(np.float64)  # wfdb gives samples x leads
    if np.isnan(sig).any():
        raise PreprocessError(f"{path}: missing (NaN) samples; refused as the app refuses them")
    return preprocess_single_window(sig, fields["sig_name"], int(fields["fs"]), sampling_rate, length)


def _load_chunk(args) -> list[np.ndarray | str]:
    paths, sampling_rate, length = args
    out = []
    for p in paths:
        try:
            out.append(load_record(Path(p), sampling_rate, length))
        except PreprocessError as e:
            out.append(str(e))
    return out


def _cache_key(paths: list[str], labels_sha: str, sampling_rate: int, length: int) -> str:
    pre = sha256_file(Path(__file__).with_name("preprocess.py"))
    h = hashlib.sha256(json.dumps([paths, labels_sha, sampling_rate, length, pre]).encode())
    return h.hexdigest()[:16]


def build_cache(paths: list[str], sampling_rate: int, length: int, cache: Path, workers: int, log) -> list[str | None]:
    """Preprocess every record into cache (float32 .npy, memory-mapped), in the given order.
    Returns per record None or the reason it was refused. Written under a temporary name and
    renamed when complete, so an interrupted build is rebuilt, never half-read."""
    tmp = cache.with_suffix(".partial.npy")
    arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(paths), 12, length))
    chunk = 256
    jobs = [(paths[i : i + chunk], sampling_rate, length) for i in range(0, len(paths), chunk)]
    errors: list[str | None] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for j, results in enumerate(pool.map(_load_chunk, jobs)):
            for r in results:
                if isinstance(r, str):
                    errors.append(r)
                else:
                    arr[len(errors)] = r
                    errors.append(None)
            if j % 10 == 0:
                log(f"cache: {len(errors)}/{len(paths)} records")
    arr.flush()
    del arr
    os.replace(tmp, cache)
    return errors


def load_splits(ptbxl: Path, task: str, sampling_rate: int, length: int, max_records: int = 0,
                labels: Path | None = None, cache_dir: Path | None = None, workers: int = 2,
                log=print) -> tuple[dict[str, Split], dict]:
    """ptbxl: the folder that holds records100/ (records500/); labels: ptbxl_database.csv
    (default: inside ptbxl), with scp_statements.csv beside it."""
    labels = labels or ptbxl / "ptbxl_database.csv"
    db = superclass_table(labels)
    n_all = len(db)
    has_class = db[db["superclasses"].str.len() > 0]
    info = {"labelFile": str(labels), "labelFileSha256": sha256_file(labels),
            "recordsInDatabase": n_all, "droppedNoSuperclass": int(n_all - len(has_class))}
    exists = has_class.apply(lambda r: (ptbxl / (record_relpath(r, sampling_rate) + ".hea")).is_file(), axis=1)
    kept = has_class[exists]
    info["droppedNoRecordFile"] = int((~exists).sum())
    if max_records:
        kept = kept.iloc[:max_records]
    parts = [kept[kept["strat_fold"].isin(folds)] for _, folds in SPLITS]
    ordered = pd.concat(parts)
    rel = [record_relpath(r, sampling_rate) for _, r in ordered.iterrows()]
    cache_dir = cache_dir or DEFAULT_CACHE_DIR
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = _cache_key(rel, info["labelFileSha256"], sampling_rate, length)
    cache = cache_dir / f"ptbxl-{sampling_rate}hz-{key}.npy"
    refused_file = cache.with_suffix(".refused.json")
    if cache.exists() and refused_file.exists():
        refused = json.loads(refused_file.read_text())
        log(f"cache: reusing {cache}")
    else:
        refused = build_cache([str(ptbxl / r) for r in rel], sampling_rate, length, cache, workers, log)
        refused_file.write_text(json.dumps(refused))
    x_all = np.load(cache, mmap_mode="r")
    ok = np.array([r is None for r in refused], dtype=bool)
    info["droppedRefused"] = [r for r in refused if r is not None]
    info["recordFilesSha256"] = hashlib.sha256("\n".join(sorted(np.array(rel)[ok])).encode()).hexdigest()
    info["recordsUsed"] = int(ok.sum())
    info["missingSamplesPolicy"] = MISSING_SAMPLES_POLICY
    splits, start = {}, 0
    for (name, _), part in zip(SPLITS, parts):
        stop = start + len(part)
        sel = ok[start:stop]
        # Contiguous view when nothing was refused (always so on PTB-XL); a copy of the kept rows otherwise.
        x = x_all[start:stop] if sel.all() else np.asarray(x_all[start:stop][sel])
        y = np.array([labels_for(s, task) for s in part["superclasses"]], dtype=np.float32).reshape(len(part), -1)[sel]
        splits[name] = Split(ids=part.index.to_numpy()[sel], x=x, y=y)
        info[f"{name}Records"] = int(sel.sum())
        info[f"{name}Positives"] = {c: int(y[:, i].sum()) for i, c in enumerate(class_codes(task))}
        start = stop
    return splits, info
