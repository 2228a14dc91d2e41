"""scikit-learn baselines for bench/quality: reads the CSVs that run.ts writes (features,
target, and the split role chosen by Tensorloom's data.split) and prints JSON scores."""
import json
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def preprocessor(frame):
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    text = [c for c in frame.columns if c not in numeric]
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
        ("txt", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
    ])


def main(path, target, task, seed):
    data = pd.read_csv(path)
    data = data[data[target].notna()]
    split = data.pop("__split")
    y = data.pop(target)
    train, test = split != "test", split == "test"
    scores = {}
    if task == "classification":
        y = y.astype(str)
        models = {
            "mlp": MLPClassifier(random_state=seed),
            "logreg": LogisticRegression(max_iter=2000),
        }
        for name, model in models.items():
            pipe = make_pipeline(preprocessor(data), model).fit(data[train], y[train])
            scores[name] = accuracy_score(y[test], pipe.predict(data[test]))
    else:
        models = {"ridge": Ridge(), "mlp": MLPRegressor(random_state=seed, max_iter=500)}
        for name, model in models.items():
            pipe = make_pipeline(preprocessor(data), model).fit(data[train], y[train])
            scores[name] = r2_score(y[test], pipe.predict(data[test]))
    print(json.dumps(scores))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
