"""Reference agreement statistics for tests/audit: reads rating tables as JSON on stdin, writes results on stdout.

Input: {"tables": [{"categories": K, "rows": [[cat or -1 per rater], ...]}], "proportions": [[count, total], ...]}
Output: {"tables": [{"cohen": {"a,b": kappa}, "fleiss": kappa, "alpha": alpha}], "wilson": [[low, high], ...]}
(NaN written as null).
"""
import json
import math
import sys
import warnings

try:
    import numpy as np
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import fleiss_kappa
    from statsmodels.stats.proportion import proportion_confint
    import krippendorff
except ImportError as err:  # the test turns this into a failure with the install command
    sys.stderr.write(f"missing reference package: {err}\n")
    sys.exit(3)

warnings.simplefilter("ignore")


def finite(x):
    x = float(x)
    return x if math.isfinite(x) else None


def evaluate(table):
    k = table["categories"]
    rows = np.array(table["rows"], dtype=float)
    rows[rows < 0] = np.nan
    n_raters = rows.shape[1]
    cohen = {}
    for a in range(n_raters):
        for b in range(a + 1, n_raters):
            both = ~np.isnan(rows[:, a]) & ~np.isnan(rows[:, b])
            if both.sum() == 0:
                cohen[f"{a},{b}"] = None
                continue
            cohen[f"{a},{b}"] = finite(cohen_kappa_score(rows[both, a].astype(int), rows[both, b].astype(int)))
    complete = rows[~np.isnan(rows).any(axis=1)].astype(int)
    counts = np.zeros((complete.shape[0], k))
    for u, row in enumerate(complete):
        for c in row:
            counts[u, c] += 1
    fleiss = finite(fleiss_kappa(counts, method="fleiss")) if complete.shape[0] > 0 else None
    pairable = (~np.isnan(rows)).sum(axis=1) >= 2
    alpha = (
        finite(krippendorff.alpha(reliability_data=rows.T, level_of_measurement="nominal", value_domain=list(range(k))))
        if pairable.any()
        else None  # the package refuses such tables; the statistic is undefined
    )
    return {"cohen": cohen, "fleiss": fleiss, "alpha": alpha}


def main():
    request = json.load(sys.stdin)
    wilson = [list(map(float, proportion_confint(k, n, alpha=0.05, method="wilson"))) for k, n in request.get("proportions", [])]
    json.dump({"tables": [evaluate(t) for t in request["tables"]], "wilson": wilson}, sys.stdout)


main()
