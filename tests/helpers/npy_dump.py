"""Reads .npy files with numpy for tests/dataset: request {"files": [path, ...]} on stdin; per file dtype, shape and
the sum over leads and samples of each leading index (a class's W*x total), as JSON on stdout."""
import json
import sys

try:
    import numpy as np
except ImportError as err:  # the test turns this into a failure with the install command
    sys.stderr.write(f"missing reference package: {err}\n")
    sys.exit(3)

out = []
for path in json.load(sys.stdin)["files"]:
    a = np.load(path)
    out.append({"dtype": str(a.dtype), "shape": list(a.shape), "sums": a.astype(np.float64).reshape(a.shape[0], -1).sum(axis=1).tolist()})
json.dump(out, sys.stdout)
