"""The peer of bench/features/run.ts: pandas merge_asof on the same rows, read from raw
little-endian float64 files the bench wrote. Prints one JSON line: per-run seconds (sorting
included: merge_asof needs both sides sorted by time) and a checksum of the joined values."""
import json
import sys
import time

import numpy as np
import pandas as pd

folder, runs, tolerance = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def load(name):
    return np.fromfile(f"{folder}/{name}.f64", dtype="<f8")


view = pd.DataFrame({"key": load("view_key").astype(np.int64), "ts": load("view_ts").astype(np.int64), "f1": load("view_f1"), "f2": load("view_f2")})
entities = pd.DataFrame({"key": load("entity_key").astype(np.int64), "ts": load("entity_ts").astype(np.int64)})

seconds = []
joined = None
for _ in range(runs):
    started = time.perf_counter()
    # The answer comes in time order; putting it back in the entities' order is left out (it would only add to pandas' time).
    left = entities.sort_values("ts", kind="stable")
    right = view.sort_values("ts", kind="stable")
    joined = pd.merge_asof(left, right, on="ts", by="key", direction="backward", allow_exact_matches=True, tolerance=tolerance)
    seconds.append(time.perf_counter() - started)

f1 = joined["f1"].to_numpy()
print(json.dumps({"seconds": seconds, "matched": int(np.count_nonzero(~np.isnan(f1))), "checksum": float(np.nansum(f1))}))
