"""The peer of bench/serve: a scikit-learn model served the way Python services usually do it,
Flask under gunicorn, with the same request and response shape as Tensorloom's model server.

The model is a Pipeline(ColumnTransformer(impute + one-hot for text columns, impute + standard
scaling for numbers), MLPClassifier(same hidden layers and activation as the Tensorloom bundle)),
trained at start-up on the same CSV. Settings come from the environment (run.ts sets them):

  PEER_CSV          the training CSV ("NA" cells are missing)
  PEER_TARGET       the label column
  PEER_NUMERIC      comma-separated number columns
  PEER_CATEGORICAL  comma-separated text columns
  PEER_HIDDEN       hidden layer sizes, e.g. "64,32"
  PEER_ACTIVATION   relu | tanh | logistic | identity
  PEER_VARIANT      "pandas" (default): each request becomes a one-row DataFrame through the whole
                    Pipeline, the idiomatic way; "numpy": the same fitted model, but the record is
                    turned into a numpy row with the fitted imputation/encoding/scaling
                    precomputed, and only the MLP's predict_proba runs (no pandas, no
                    ColumnTransformer). It shows where the pandas variant's time goes.

  gunicorn -w 2 -b 127.0.0.1:8000 --preload 'peer_app:create_app()'

Endpoints: POST /v1/models/<name>:predict  {"instances": [{record}, ...]}
           -> {"predictions": [{"prediction": label, "probabilities": [...]}, ...]}
           GET /v2/health/ready
"""
import os
import warnings

import numpy as np
import pandas as pd
from flask import Flask, jsonify, request
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def _columns(name):
    value = os.environ.get(name, "")
    return [column for column in value.split(",") if column]


def train():
    target = os.environ["PEER_TARGET"]
    numeric = _columns("PEER_NUMERIC")
    categorical = _columns("PEER_CATEGORICAL")
    hidden = tuple(int(units) for units in os.environ["PEER_HIDDEN"].split(","))
    data = pd.read_csv(os.environ["PEER_CSV"])
    data = data[data[target].notna()]
    features = data[numeric + categorical]
    preprocess = ColumnTransformer([
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
         categorical),
        ("numbers", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
    ])
    model = Pipeline([
        ("preprocess", preprocess),
        ("mlp", MLPClassifier(hidden_layer_sizes=hidden, activation=os.environ.get("PEER_ACTIVATION", "relu"),
                              max_iter=500, random_state=1)),
    ])
    model.fit(features, data[target].astype(str))
    return model, numeric, categorical


def pandas_predictor(model, numeric, categorical):
    columns = numeric + categorical

    def predict(instances):
        frame = pd.DataFrame.from_records(instances, columns=columns)
        # JSON null arrives as None; the imputers were fitted on NaN.
        frame = frame.fillna(value=np.nan)
        return model.predict_proba(frame)

    return predict


def numpy_predictor(model, numeric, categorical):
    """The same fitted model with the preprocessing precomputed into lookups: record -> numpy row."""
    preprocess = model.named_steps["preprocess"]
    mlp = model.named_steps["mlp"]
    text_imputer, encoder = (step for _, step in preprocess.named_transformers_["text"].steps)
    number_imputer, scaler = (step for _, step in preprocess.named_transformers_["numbers"].steps)
    # Output layout of the ColumnTransformer: one-hot blocks for the text columns, then the numbers.
    offsets, width = {}, 0
    for column, categories in zip(categorical, encoder.categories_):
        offsets[column] = (width, {str(category): index for index, category in enumerate(categories)})
        width += len(categories)
    number_start = width
    width += len(numeric)
    text_fill = {column: str(value) for column, value in zip(categorical, text_imputer.statistics_)}
    number_fill = number_imputer.statistics_
    mean, scale = scaler.mean_, scaler.scale_

    def predict(instances):
        rows = np.zeros((len(instances), width))
        for row, record in zip(rows, instances):
            for column, (start, lookup) in offsets.items():
                value = record.get(column)
                index = lookup.get(text_fill[column] if value is None else str(value))
                if index is not None:
                    row[start + index] = 1.0
            for position, column in enumerate(numeric):
                value = record.get(column)
                row[number_start + position] = number_fill[position] if value is None else float(value)
            row[number_start:] = (row[number_start:] - mean) / scale
        return mlp.predict_proba(rows)

    return predict


def create_app():
    model, numeric, categorical = train()
    variant = os.environ.get("PEER_VARIANT", "pandas")
    predict = (numpy_predictor if variant == "numpy" else pandas_predictor)(model, numeric, categorical)
    classes = [str(label) for label in model.classes_]
    app = Flask(__name__)

    @app.post("/v1/models/<name>:predict")
    def predict_route(name):
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("instances"), list):
            return jsonify({"error": "expected {\"instances\": [ {record}, ... ]}"}), 400
        probabilities = predict(body["instances"])
        return jsonify({"predictions": [
            {"prediction": classes[int(np.argmax(row))], "probabilities": row.tolist()} for row in probabilities
        ]})

    @app.get("/v2/health/ready")
    def ready():
        return jsonify({"ready": True, "variant": variant, "classes": classes})

    return app
