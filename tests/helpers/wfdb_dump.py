"""Reference output of wfdb-python for the golden tests in tests/formats.

Usage: python3 wfdb_dump.py OUT_DIR < jobs.json
jobs.json: [{"id": "...", "record": "/path/without/ext", "annotations": ["i", "ii", ...]}, ...]
Writes OUT_DIR/<id>.f64 (p_signal, samples x signals, little-endian float64, row-major),
OUT_DIR/<id>.json ({"sig_name", "shape", "fs", "annotations": {ext: {"sample": [...], "symbol": [...]}}}),
and OUT_DIR/timing.json (seconds spent in rdrecord per record).
A job with "expanded": true reads with smooth_frames=False and writes each signal's e_p_signal one after the
other (meta "spf" gives samples per frame, "shape" [frames, signals]); a job with "may_fail": true whose record
wfdb cannot read writes {"error": "..."} as its meta instead of stopping the run.
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
    with open(record + ".hea", encoding="latin-1") as f:
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
            expanded = job.get("expanded", False)
            t0 = time.perf_counter()
            try:
                rec = wfdb.rdrecord(record, smooth_frames=not expanded)
            except Exception as e:  # noqa: BLE001 - any failure of wfdb is the answer for a may_fail job
                if not job.get("may_fail", False):
                    raise
                with open(os.path.join(out, job["id"] + ".json"), "w") as f:
                    json.dump({"error": f"{type(e).__name__}: {e}"}, f)
                continue
            timing[job["id"]] = time.perf_counter() - t0
            if expanded:
                sig = np.concatenate([np.asarray(s, dtype="<f8") for s in rec.e_p_signal]) if rec.n_sig else np.zeros(0)
                shape = [rec.sig_len, rec.n_sig]
            else:
                sig = np.ascontiguousarray(rec.p_signal, dtype="<f8")
                shape = list(sig.shape)
            sig.tofile(os.path.join(out, job["id"] + ".f64"))
            meta = {"sig_name": rec.sig_name, "units": rec.units, "shape": shape, "fs": rec.fs, "annotations": {}}
            if expanded:
                meta["spf"] = [int(v) for v in rec.samps_per_frame]
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
