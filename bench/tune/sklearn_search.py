"""The peer of bench/tune: scikit-learn's RandomizedSearchCV over an MLPClassifier, on the
rows and folds that run.ts wrote (Tensorloom's data.split rows; `__fold` is the fold a train
row is held out in, the same folds train.tune used), with the same space, budget (trials)
and epoch cap. Prints JSON: the best cross-validated score, the search's wall time (fit,
refit included), the refit model's test accuracy and the best params."""
import json
import sys
import time
import warnings

import pandas as pd
from scipy.stats import loguniform
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score
from sklearn.model_selection import PredefinedSplit, RandomizedSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def main(path, target, trials, epochs, seed, jobs, space_json):
    data = pd.read_csv(path)
    split = data.pop("__split")
    fold = data.pop("__fold")
    y = data.pop(target).astype(str)
    train, test = split == "train", split == "test"
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    text = [c for c in data.columns if c not in numeric]
    features = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
        ("txt", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
    ])
    model = Pipeline([("features", features), ("mlp", MLPClassifier(max_iter=epochs, random_state=seed))])
    space = json.loads(space_json)
    rate = space["learningRate"]
    distributions = {
        "mlp__hidden_layer_sizes": [tuple(layers) for layers in space["hiddenLayers"]],
        "mlp__activation": ["logistic" if name == "sigmoid" else name for name in space["activation"]],
        "mlp__learning_rate_init": loguniform(rate["min"], rate["max"]),
        "mlp__batch_size": space["batchSize"],
    }
    search = RandomizedSearchCV(model, distributions, n_iter=trials, cv=PredefinedSplit(fold[train].to_numpy()),
                                scoring="accuracy", random_state=seed, n_jobs=jobs, refit=True)
    start = time.perf_counter()
    search.fit(data[train], y[train])
    seconds = time.perf_counter() - start
    best = {key.replace("mlp__", ""): (list(value) if isinstance(value, tuple) else value) for key, value in search.best_params_.items()}
    print(json.dumps({
        "bestScore": float(search.best_score_),
        "seconds": seconds,
        "testAccuracy": float(accuracy_score(y[test], search.predict(data[test]))),
        "bestParams": best,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
