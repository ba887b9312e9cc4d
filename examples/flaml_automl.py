"""
FLAML AutoML behind textcnn's out-of-fold features
==================================================

FLAML's AutoML behind textcnn's out-of-fold text features, in one scikit-learn Pipeline.

FLAML's tabular AutoML has no text featurizer: a text column reaches its models as a
high-cardinality category. Here a ``ColumnTransformer`` puts out-of-fold TextCNN and
TF-IDF-linear features in front of ``flaml.AutoML`` -- inside ``Pipeline.fit`` the
encoders' ``fit_transform`` hands FLAML out-of-fold features (its own cross-validation
then runs on them honestly), and ``Pipeline.predict`` uses the average of the fold
models. The script compares that with FLAML alone on the airline tweets, same split,
same time budget for FLAML's search. Usage::

    pip install 'textcnn[flaml]'
    TEXTCNN_DATA=../shared/data python examples/flaml_automl.py --time-budget 60

``run`` takes any frame; the test suite calls it on a small synthetic one.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pandas as pd
from flaml import AutoML
from sklearn.compose import ColumnTransformer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from textcnn import TextCNNEncoder, TfidfLinearEncoder

#: Share of the AutoML time budget the CNN may spend before it (its ``max_time``): fewer
#: epochs when time is short, so the whole run stays within 1.5x the budget.
TEXT_SHARE = 0.5


def make_model(
    text: str,
    categorical: list[str],
    numeric: list[str],
    automl: AutoML,
    encoders: list[Any] | None = None,
) -> Pipeline:
    """Text features (out-of-fold at fit) + the other columns as they are -> FLAML."""
    if encoders is None:
        encoders = [TextCNNEncoder(random_state=0), TfidfLinearEncoder(random_state=0)]
    columns = ColumnTransformer(
        [(f"text{i}", encoder, [text]) for i, encoder in enumerate(encoders)]
        + [("other", "passthrough", categorical + numeric)],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")  # FLAML sees names, and strings as categories
    return Pipeline([("features", columns), ("automl", automl)])


def run(
    frame: pd.DataFrame,
    target: str,
    text: str,
    categorical: list[str],
    numeric: list[str],
    regression: bool,
    time_budget: float,
    encoders: list[Any] | None = None,
    estimators: list[str] | None = None,
    n_jobs: int = -1,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Fit FLAML alone and FLAML + textcnn on one split; return held-out score and times."""
    X, y = frame[[text, *categorical, *numeric]], frame[target]
    train_X, test_X, train_y, test_y = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=None if regression else y
    )
    settings: dict[str, Any] = {
        "task": "regression" if regression else "classification",
        "time_budget": time_budget,
        "seed": seed,
        "n_jobs": n_jobs,
        "verbose": 0,
    }
    if estimators is not None:
        settings["estimator_list"] = estimators
    if encoders is None:  # under FLAML's budget: the CNN may take TEXT_SHARE of it (max_time)
        encoders = [
            TextCNNEncoder(random_state=0, max_time=TEXT_SHARE * time_budget),
            TfidfLinearEncoder(random_state=0),
        ]
    score = r2_score if regression else accuracy_score
    models = {
        "FLAML alone (text as a category)": AutoML(**settings),
        "FLAML + textcnn": make_model(text, categorical, numeric, AutoML(**settings), encoders),
    }
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(train_X, train_y)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        pred = model.predict(test_X)
        predict_s = time.perf_counter() - start
        results[name] = {
            "score": float(score(test_y, pred)),
            "fit_s": fit_s,
            "predict_s": predict_s,
        }
        print(
            f"{name:34s} held-out {'R²' if regression else 'accuracy'} "
            f"{results[name]['score']:.4f}  fit {fit_s:.1f} s  predict {predict_s:.2f} s",
            flush=True,
        )
    return results


def airline_frame() -> pd.DataFrame:
    """Airline tweets: the text, two categories, counts and the tweet's local time."""
    from textcnn.datasets import load_airline_tweets

    tweets = load_airline_tweets()  # the leaky annotation columns are dropped
    created = pd.to_datetime(tweets["tweet_created"].str[:19])
    return pd.DataFrame(
        {
            "text": tweets["text"].fillna(""),
            "airline": tweets["airline"],
            "user_timezone": tweets["user_timezone"].fillna("none"),
            "retweet_count": tweets["retweet_count"],
            "hour": created.dt.hour,
            "sentiment": tweets["airline_sentiment"],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--time-budget", type=float, default=60, help="FLAML's seconds")
    args = parser.parse_args()
    run(
        airline_frame(),
        target="sentiment",
        text="text",
        categorical=["airline", "user_timezone"],
        numeric=["retweet_count", "hour"],
        regression=False,
        time_budget=args.time_budget,
    )


if __name__ == "__main__":
    main()
