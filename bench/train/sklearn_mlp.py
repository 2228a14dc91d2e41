"""The peer of bench/train: scikit-learn's MLPClassifier with the same shape (128, 64), Adam,
batch 256, on the same generated data, for 3 epochs. Prints seconds per epoch as JSON."""
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
                      max_iter=epochs, tol=0.0, n_iter_no_change=10**6, shuffle=True, random_state=0)
start = time.perf_counter()
model.fit(x, y)
seconds = time.perf_counter() - start
print(json.dumps({"secondsPerEpoch": seconds / epochs, "accuracy": float(model.score(x, y))}))
