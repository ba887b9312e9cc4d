"""
H2O AutoML on textcnn's out-of-fold features
============================================

H2O AutoML on the other columns plus textcnn's out-of-fold text features.

H2O-3's AutoML (without Driverless AI) has no text featurizer: a text column is parsed
as a ``string`` column, which its algorithms drop, or as an ``enum`` (category). Here
textcnn makes the text features first -- ``fit_transform`` on the training rows
(out-of-fold, so H2O's own cross-validation and stacked ensembles train on honest
features), ``transform`` (the fold models' average) on the test rows -- and H2OAutoML
trains on them with the other columns. The script compares that with H2O AutoML alone on
the airline tweets, same split, same ``max_runtime_secs`` for H2O's search. Usage::

    pip install 'textcnn[h2o]'
    TEXTCNN_DATA=../shared/data python examples/h2o_automl.py --max-runtime-secs 120

**H2O needs Java** (it runs a local JVM, bound to 127.0.0.1): on Debian/Ubuntu
``apt-get install default-jre-headless``. Without a ``java`` on the PATH (or under
``JAVA_HOME``) the script stops with that message.

The same with the command line instead of the API (features as CSV, then
``h2o.import_file``)::

    textcnn fit-transform train.csv --text text --target sentiment --keep \\
        --out train_features.csv --model-out text.textcnn
    textcnn transform test.csv --model text.textcnn --keep --out test_features.csv

``run`` takes any frame; the test suite calls it on a small synthetic one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split

from textcnn import TextCNNEncoder, TfidfLinearEncoder

#: Share of H2O's ``max_runtime_secs`` the CNN may spend before it (its ``max_time``).
TEXT_SHARE = 0.5

JAVA_MISSING = (
    "H2O AutoML runs in a Java process and no java was found (PATH or JAVA_HOME): "
    "install a Java runtime, e.g. on Debian/Ubuntu `apt-get install default-jre-headless`"
)


def find_java() -> str | None:
    """The java executable H2O would start, or None."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def start_h2o(nthreads: int = -1, max_mem_size: str = "4G") -> Any:
    """Start (or join) a local H2O cluster on 127.0.0.1; no usage reports."""
    if find_java() is None:
        raise RuntimeError(JAVA_MISSING)
    os.environ.setdefault("DO_NOT_TRACK", "1")  # H2O's telemetry is opt-in; keep it off
    import h2o

    h2o.init(nthreads=nthreads, max_mem_size=max_mem_size, verbose=False)
    h2o.no_progress()
    return h2o


def stop_h2o() -> None:
    """Shut the local H2O cluster down and reap its JVM (no process left behind)."""
    import h2o

    connection = h2o.connection()
    server = getattr(connection, "local_server", None) if connection is not None else None
    if connection is not None:
        h2o.cluster().shutdown()  # the REST call: the JVM exits
    if server is not None:
        server.shutdown()  # waits for the JVM's exit (else it stays a zombie of this process)


def text_features(
    encoders: list[Any], train: pd.DataFrame, test: pd.DataFrame, text: str, y: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-fold features for the training rows, fold-model averages for the test rows."""
    fitted = [e.set_output(transform="pandas") for e in encoders]
    train_out = pd.concat([e.fit_transform(train[[text]], y) for e in fitted], axis=1)
    test_out = pd.concat([e.transform(test[[text]]) for e in fitted], axis=1)
    return train_out.set_index(train.index), test_out.set_index(test.index)


def fit_h2o(
    h2o: Any,
    train: pd.DataFrame,
    test: pd.DataFrame,
    target: str,
    regression: bool,
    max_runtime_secs: float,
    max_models: int | None,
    seed: int,
) -> tuple[np.ndarray, float, float]:
    """H2OAutoML on every column of ``train`` but the target; predictions for ``test``."""
    from h2o.automl import H2OAutoML

    start = time.perf_counter()
    train_h2o = h2o.H2OFrame(train)
    if not regression:
        train_h2o[target] = train_h2o[target].asfactor()
    features = [c for c in train.columns if c != target]
    automl = H2OAutoML(
        max_runtime_secs=max(1, int(max_runtime_secs)),
        max_models=max_models,
        seed=seed,
        verbosity=None,
    )
    automl.train(x=features, y=target, training_frame=train_h2o)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    # the test frame keeps its target column: H2O 3.46's stacked ensembles fail on a
    # frame without it (NullPointerException in GLM scoring); predict does not read it
    test_h2o = h2o.H2OFrame(test)
    if not regression:
        test_h2o[target] = test_h2o[target].asfactor()
    pred = automl.leader.predict(test_h2o)
    with warnings.catch_warnings():  # "install polars for a multi-threaded conversion"
        warnings.simplefilter("ignore")
        values = pred["predict"].as_data_frame(use_multi_thread=False)["predict"].to_numpy()
    return values, fit_s, time.perf_counter() - start


def run(
    frame: pd.DataFrame,
    target: str,
    text: str,
    categorical: list[str],
    numeric: list[str],
    regression: bool,
    max_runtime_secs: float,
    encoders: list[Any] | None = None,
    max_models: int | None = None,
    nthreads: int = -1,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Fit H2O AutoML alone and with textcnn's features on one split; held-out scores."""
    h2o = start_h2o(nthreads=nthreads)
    if encoders is None:
        target_type = "continuous" if regression else "auto"
        encoders = [  # the CNN may take TEXT_SHARE of H2O's budget (max_time: fewer epochs)
            TextCNNEncoder(
                target_type=target_type,
                random_state=seed,
                max_time=TEXT_SHARE * max_runtime_secs,
            ),
            TfidfLinearEncoder(target_type=target_type, random_state=seed),
        ]
    train, test = train_test_split(
        frame[[text, *categorical, *numeric, target]],
        test_size=0.25,
        random_state=seed,
        stratify=None if regression else frame[target],
    )
    score = r2_score if regression else accuracy_score
    results = {}
    for name in ("H2O AutoML alone", "H2O AutoML + textcnn"):
        start = time.perf_counter()
        if name == "H2O AutoML alone":  # the text column as H2O parses it
            fit_train, fit_test, text_s = train, test, 0.0
        else:
            train_text, test_text = text_features(encoders, train, test, text, train[target])
            text_s = time.perf_counter() - start
            others = [*categorical, *numeric, target]
            fit_train = pd.concat([train[others], train_text], axis=1)
            fit_test = pd.concat([test[others], test_text], axis=1)
        pred, fit_s, predict_s = fit_h2o(
            h2o, fit_train, fit_test, target, regression, max_runtime_secs, max_models, seed
        )
        truth = test[target].to_numpy()
        if not regression:
            truth = truth.astype(str)
            pred = pred.astype(str)
        results[name] = {
            "score": float(score(truth, pred)),
            "fit_s": text_s + fit_s,
            "predict_s": predict_s,
        }
        print(
            f"{name:22s} held-out {'R²' if regression else 'accuracy'} "
            f"{results[name]['score']:.4f}  fit {text_s + fit_s:.1f} s "
            f"(text features {text_s:.1f} s)  predict {predict_s:.2f} s",
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
    parser.add_argument("--max-runtime-secs", type=float, default=120, help="H2O's seconds")
    args = parser.parse_args()
    if find_java() is None:
        sys.exit(JAVA_MISSING)
    try:
        run(
            airline_frame(),
            target="sentiment",
            text="text",
            categorical=["airline", "user_timezone"],
            numeric=["retweet_count", "hour"],
            regression=False,
            max_runtime_secs=args.max_runtime_secs,
        )
    finally:
        stop_h2o()


if __name__ == "__main__":
    main()
