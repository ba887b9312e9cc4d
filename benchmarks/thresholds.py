"""An imbalanced target: the decision threshold, tuned without leakage, against 0.5.

Airline tweets as a binary task -- *positive* (16 % of the tweets) against the rest -- with the
``airline`` column beside the text, three outer folds (stratified, grouped by ``tweet_id``).
Per text encoder (``TfidfLinearEncoder``, the cheap peer, and ``TextCNNEncoder`` with its
defaults) one pipeline -- the encoder on the text, the airline one-hot, a
``HistGradientBoostingClassifier`` -- is scored on each outer test fold three ways:

- ``0.5``: ``predict`` as it is (the booster's probability over 0.5);
- ``class_weight``: the booster trained with ``class_weight="balanced"``;
- ``tuned``: scikit-learn's ``TunedThresholdClassifierCV`` around the whole pipeline (inner
  3-fold CV maximising balanced accuracy; the encoder is refitted inside every inner fold, so
  the threshold is chosen on rows no part of the pipeline trained on).

Reported per encoder and way: balanced accuracy, F1 of the minority class, ROC AUC (the same
for ``0.5`` and ``tuned``: a threshold does not change the ranking), the threshold chosen and
the fit time. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/thresholds.py

Writes ``benchmarks/results/thresholds.{md,json}``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _results import publish
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.datasets import load_airline_tweets

RESULTS = Path(__file__).parent / "results"
ENCODERS = {
    "TfidfLinearEncoder": lambda: TfidfLinearEncoder(random_state=0),
    "TextCNNEncoder": lambda: TextCNNEncoder(random_state=0),
}


def pipeline(encoder: str, weighted: bool):
    """Text features + airline one-hot -> HistGradientBoosting."""
    columns = ColumnTransformer(
        [
            ("text", ENCODERS[encoder](), ["text"]),
            ("airline", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["airline"]),
        ]
    )
    booster = HistGradientBoostingClassifier(
        random_state=0, class_weight="balanced" if weighted else None
    )
    return make_pipeline(columns, booster)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "thresholds"))
    args = parser.parse_args()
    data = load_airline_tweets()
    X = data[["text", "airline"]]
    y = (data["airline_sentiment"] == "positive").to_numpy().astype(int)
    outer = StratifiedGroupKFold(args.folds, shuffle=True, random_state=0)
    rows = []
    for encoder in ENCODERS:
        for fold, (train, test) in enumerate(outer.split(X, y, data["tweet_id"])):
            for way in ("0.5", "class_weight", "tuned"):
                model = pipeline(encoder, way == "class_weight")
                if way == "tuned":
                    model = TunedThresholdClassifierCV(
                        model, scoring="balanced_accuracy", cv=3, random_state=0
                    )
                started = time.perf_counter()
                model.fit(X.iloc[train], y[train])
                seconds = time.perf_counter() - started
                proba = model.predict_proba(X.iloc[test])[:, 1]
                pred = model.predict(X.iloc[test])
                rows.append(
                    {"encoder": encoder, "way": way, "fold": fold,
                     "balanced_accuracy": balanced_accuracy_score(y[test], pred),
                     "f1": f1_score(y[test], pred), "auc": roc_auc_score(y[test], proba),
                     "threshold": float(getattr(model, "best_threshold_", 0.5)),
                     "fit_s": seconds}
                )  # fmt: skip
                print(rows[-1], flush=True)
    lines = [
        f"Decision thresholds on an imbalanced target, {datetime.now(timezone.utc):%Y-%m-%d %H:%M}"
        f" UTC, {platform.machine()} {os.cpu_count()} cores: airline tweets, positive "
        f"({y.mean():.1%}) vs the rest, text + airline -> HistGradientBoosting, "
        f"{args.folds} outer folds (mean, SD)\n",
        "| encoder | threshold rule | balanced accuracy % | F1 (positive) % | ROC AUC | "
        "threshold | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for encoder in ENCODERS:
        for way in ("0.5", "class_weight", "tuned"):
            got = [r for r in rows if r["encoder"] == encoder and r["way"] == way]

            def stat(key: str, scale: float = 100.0, got=got) -> str:
                values = scale * np.array([r[key] for r in got])
                return f"{values.mean():.2f} ({values.std():.2f})"

            rule = {"0.5": "0.5", "class_weight": "0.5, class_weight='balanced'",
                    "tuned": "TunedThresholdClassifierCV"}[way]  # fmt: skip
            thresholds = ", ".join(f"{r['threshold']:.2f}" for r in got)
            lines.append(
                f"| {encoder} | {rule} | {stat('balanced_accuracy')} | {stat('f1')} | "
                f"{stat('auc', 1.0).split(' ')[0]} | {thresholds} | "
                f"{np.median([r['fit_s'] for r in got]):.0f} |"
            )
    publish(Path(args.out), "\n".join(lines) + "\n", rows)


if __name__ == "__main__":
    main()
