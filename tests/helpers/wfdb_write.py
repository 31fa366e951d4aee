"""Writes WFDB records with wfdb-python's wrsamp: the reference writer (FLAC formats 508/516/524 go through
libsndfile's libFLAC encoder, with LPC, Rice coding and stereo decorrelation that our own writer does not use).

Usage: python3 wfdb_write.py < request.json
request: [{"dir", "record", "fs", "fmt", "sig_name": [...], "units": [...], "adc_gain": [...], "baseline": [...],
           "d_signal": [[frame 0 values], [frame 1 values], ...]}, ...]
Prints {"written": [record paths]}.
"""
import json
import sys

try:
    import numpy as np
    import wfdb
except ImportError as e:  # exit 3: the caller names the package to install
    print(f"missing Python package: {e.name}", file=sys.stderr)
    sys.exit(3)


def main():
    written = []
    for job in json.load(sys.stdin):
        d = np.asarray(job["d_signal"], dtype=np.int32)
        wfdb.wrsamp(
            job["record"],
            fs=job["fs"],
            units=job["units"],
            sig_name=job["sig_name"],
            d_signal=d,
            fmt=[str(job["fmt"])] * d.shape[1],
            adc_gain=job["adc_gain"],
            baseline=job["baseline"],
            write_dir=job["dir"],
        )
        written.append(f"{job['dir']}/{job['record']}")
    json.dump({"written": written}, sys.stdout)


if __name__ == "__main__":
    main()
