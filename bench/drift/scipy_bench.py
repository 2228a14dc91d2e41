"""bench/drift's peer: the same per-column tests as monitor.drift's `auto` above 1000 reference
rows, computed the way Evidently does with pandas/numpy/SciPy: normalised Wasserstein for
numeric columns, Jensen-Shannon (base 2) over value counts for categorical ones.
Usage: python3 scipy_bench.py DIR (files written by run.ts); prints JSON {ms, columns}."""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance


def jensenshannon(ref, cur):
    keys = list(set(ref.unique()) | set(cur.unique()))
    rd = {**dict.fromkeys(keys, 0), **dict(ref.value_counts())}
    cd = {**dict.fromkeys(keys, 0), **dict(cur.value_counts())}
    r = np.array([rd[k] / len(ref) for k in keys])
    c = np.array([cd[k] / len(cur) for k in keys])
    return float(distance.jensenshannon(r, c, 2))


def main():
    folder = sys.argv[1]
    meta = json.load(open(f"{folder}/meta.json"))
    data = {}
    for col in meta["columns"]:
        name = col["name"]
        if col["kind"] == "numeric":
            data[name] = [pd.Series(np.fromfile(f"{folder}/{side}_{name}.bin", dtype=np.float64)) for side in ("ref", "cur")]
        else:
            names = np.array(col["categories"], dtype=object)
            data[name] = [pd.Series(names[np.fromfile(f"{folder}/{side}_{name}.bin", dtype=np.int32)]) for side in ("ref", "cur")]
    best = None
    results = {}
    for _ in range(meta["repeats"]):
        started = time.perf_counter()
        for col in meta["columns"]:
            ref, cur = (series.dropna() for series in data[col["name"]])
            if col["kind"] == "numeric" and pd.concat([ref, cur]).nunique() > 5:
                value = stats.wasserstein_distance(ref.values, cur.values) / max(np.std(ref.values), 0.001)
                results[col["name"]] = {"test": "wasserstein", "statistic": float(value)}
            else:
                results[col["name"]] = {"test": "jensenshannon", "statistic": jensenshannon(ref, cur)}
        ms = (time.perf_counter() - started) * 1000
        best = ms if best is None else min(best, ms)
    json.dump({"ms": best, "columns": results}, sys.stdout)


if __name__ == "__main__":
    main()
