"""The drift tests computed with SciPy/numpy/pandas, as Evidently 0.4 defines them.

Reads JSON on stdin: {"cases": [{"test", "reference", "current", "kind"}], "kstwo": [[n, x]],
"smirnov": [[n, x]], "chi2": [[x, k]]}; prints the results as JSON. Used by drift.test.ts
and bench/drift (reference implementation)."""
import json
import sys

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.spatial import distance


def binned(ref, cur, numeric, feel_zeroes):
    if numeric and ref.nunique() > 20:
        bins = np.histogram_bin_edges(pd.concat([ref, cur], axis=0).values, bins="sturges")
        r = np.histogram(ref, bins)[0] / len(ref)
        c = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = list(set(ref.unique()) | set(cur.unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        r = np.array([rd[k] / len(ref) for k in keys])
        c = np.array([cd[k] / len(cur) for k in keys])
    if feel_zeroes:
        for arr in (r, c):
            low = min(arr[arr != 0])
            np.place(arr, arr == 0, low / 10**6 if low <= 0.0001 else 0.0001)
    return r, c


def run(case):
    numeric = case["kind"] == "numeric"
    ref = pd.Series(case["reference"], dtype=float if numeric else object).dropna()
    cur = pd.Series(case["current"], dtype=float if numeric else object).dropna()
    test = case["test"]
    if test == "ks":
        res = stats.ks_2samp(ref.values, cur.values)
        return {"statistic": float(res.statistic), "pValue": float(res.pvalue)}
    if test == "chisquare":
        keys = list(set(ref.unique()) | set(cur.unique()))
        rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
        cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
        k = len(cur) / len(ref)
        with np.errstate(divide="ignore", invalid="ignore"):
            res = stats.chisquare([cd[x] for x in keys], [rd[x] * k for x in keys])
        s = float(res.statistic)
        return {"statistic": None if not np.isfinite(s) else s, "pValue": float(res.pvalue)}
    if test == "wasserstein":
        return {"statistic": float(stats.wasserstein_distance(ref.values, cur.values) / max(np.std(ref.values), 0.001))}
    if test == "jensenshannon":
        r, c = binned(ref, cur, numeric, False)
        return {"statistic": float(distance.jensenshannon(r, c, 2))}
    if test == "psi":
        r, c = binned(ref, cur, numeric, True)
        return {"statistic": float(np.sum((r - c) * np.log(r / c)))}
    raise ValueError(test)


def main():
    data = json.load(sys.stdin)
    out = {
        "cases": [run(case) for case in data.get("cases", [])],
        "kstwo": [float(stats.kstwo.sf(x, n)) for n, x in data.get("kstwo", [])],
        "smirnov": [float(special.smirnov(n, x)) for n, x in data.get("smirnov", [])],
        "chi2": [float(stats.chi2.sf(x, k)) for x, k in data.get("chi2", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
