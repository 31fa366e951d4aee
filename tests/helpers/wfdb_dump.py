"""Reference output of wfdb-python for the golden tests in tests/formats.

Usage: python3 wfdb_dump.py OUT_DIR < jobs.json
jobs.json: [{"id": "...", "record": "/path/without/ext", "annotations": ["i", "ii", ...]}, ...]
Writes OUT_DIR/<id>.f64 (p_signal, samples x signals, little-endian float64, row-major),
OUT_DIR/<id>.json ({"sig_name", "shape", "fs", "annotations": {ext: {"sample": [...], "symbol": [...]}}}),
and OUT_DIR/timing.json (seconds spent in rdrecord per record).
"""
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import wfdb


def cinc_copy(record, tmp):
    """CinC 2020 headers name the record 'E00009.mat', which wfdb-python rejects; read a copy with the plain name."""
    name = os.path.basename(record)
    with open(record + ".hea") as f:
        lines = f.read().split("\n")
    first = lines[0].split()
    if not first[0].endswith(".mat"):
        return record
    first[0] = name
    lines[0] = " ".join(first)
    with open(os.path.join(tmp, name + ".hea"), "w") as f:
        f.write("\n".join(lines))
    os.symlink(os.path.abspath(record + ".mat"), os.path.join(tmp, name + ".mat"))
    return os.path.join(tmp, name)


def main():
    out = sys.argv[1]
    jobs = json.load(sys.stdin)
    timing = {}
    tmp = tempfile.mkdtemp()
    try:
        for job in jobs:
            record = cinc_copy(job["record"], tmp)
            t0 = time.perf_counter()
            rec = wfdb.rdrecord(record)
            timing[job["id"]] = time.perf_counter() - t0
            sig = np.ascontiguousarray(rec.p_signal, dtype="<f8")
            sig.tofile(os.path.join(out, job["id"] + ".f64"))
            meta = {"sig_name": rec.sig_name, "units": rec.units, "shape": list(sig.shape), "fs": rec.fs, "annotations": {}}
            for ext in job.get("annotations", []):
                ann = wfdb.rdann(job["record"], ext)
                meta["annotations"][ext] = {"sample": [int(s) for s in ann.sample], "symbol": list(ann.symbol)}
            with open(os.path.join(out, job["id"] + ".json"), "w") as f:
                json.dump(meta, f)
    finally:
        shutil.rmtree(tmp)
    with open(os.path.join(out, "timing.json"), "w") as f:
        json.dump(timing, f)


if __name__ == "__main__":
    main()
