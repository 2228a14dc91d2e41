"""The peer of bench/train: scikit-learn's MLPClassifier with the same shape (128, 64), Adam,
batch 256, on the same generated data, for 3 epochs. Prints the median and mean seconds per
epoch as JSON. With a 7th argument `node`, also the whole fit as the train.dense node does it (a
StandardScaler on the features, then the epochs) in seconds: nodeSeconds."""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)
path, rows, cols, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
hidden = tuple(int(units) for units in sys.argv[5].split(",")) if len(sys.argv) > 5 else (128, 64)
batch = int(sys.argv[6]) if len(sys.argv) > 6 else 256
data = np.fromfile(path, dtype=np.float32).reshape(rows, cols + 1)
x, y = data[:, :cols], data[:, cols].astype(int)
model = MLPClassifier(hidden_layer_sizes=hidden, solver="adam", batch_size=batch, learning_rate_init=0.001,
                      shuffle=True, random_state=0)
# One partial_fit call is one epoch (a pass over the rows in mini-batches), timed each.
times = []
for _ in range(epochs):
    start = time.perf_counter()
    model.partial_fit(x, y, classes=[0, 1])
    times.append(time.perf_counter() - start)
result = {"secondsPerEpoch": sorted(times)[len(times) // 2], "meanSecondsPerEpoch": sum(times) / epochs,
          "accuracy": float(model.score(x, y))}
if len(sys.argv) > 7 and sys.argv[7] == "node":
    from sklearn.preprocessing import StandardScaler
    start = time.perf_counter()
    scaled = StandardScaler().fit_transform(x)
    model = MLPClassifier(hidden_layer_sizes=hidden, solver="adam", batch_size=batch, learning_rate_init=0.001,
                          shuffle=True, random_state=0)
    for _ in range(epochs):
        model.partial_fit(scaled, y, classes=[0, 1])
    result["nodeSeconds"] = time.perf_counter() - start
print(json.dumps(result))
