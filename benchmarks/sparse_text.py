"""A sparse text column inside HistGradientBoosting: blank texts, before and after one value.

Airline tweets with 70 % of the texts blanked, mostly in one class (85 % of the negative
tweets, 45 % of the others), as sparse columns are in real tables (issue 32). Five outer
folds (stratified, grouped by ``tweet_id``); in each, the text encoder's out-of-fold features
of the training rows and its ``transform`` of the test rows feed a
``HistGradientBoostingClassifier`` beside the ``airline`` column. Reported per encoder:
test accuracy, accuracy on the blank test rows, and how many distinct values the blank rows
got in training (out of fold) and at ``transform``.

Run it with the code before the rule (an installed or checked-out textcnn without
``empty_text``) and after; the results are merged by label::

    TEXTCNN_DATA=../shared/data PYTHONPATH=/path/to/old/checkout python benchmarks/sparse_text.py
    TEXTCNN_DATA=../shared/data python benchmarks/sparse_text.py

The label is ``before`` when the encoders have no ``empty_text`` parameter, else
``after`` (``empty_text="prior"``, the default) and ``after, nan`` (``empty_text="nan"``).
Writes ``benchmarks/results/sparse_text.{md,json}`` (atomically) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _results import publish

RESULTS = Path(__file__).parent / "results"


def sparse_airline(seed: int = 0):
    from textcnn.datasets import load_airline_tweets

    tweets = load_airline_tweets().reset_index(drop=True)
    rng = np.random.RandomState(seed)
    negative = (tweets["airline_sentiment"] == "negative").to_numpy()
    blank = rng.rand(len(tweets)) < np.where(negative, 0.85, 0.45)
    text = tweets["text"].astype(object).where(~blank, "")
    frame = tweets.assign(text=text)[["text", "airline", "airline_sentiment", "tweet_id"]]
    return frame, blank


def run(encoder_name: str, empty_text: str | None, frame, blank, cv: int, seed: int) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedGroupKFold

    from textcnn import TextCNNEncoder, TfidfLinearEncoder

    y = frame["airline_sentiment"].to_numpy()
    airline = frame["airline"].astype("category").cat.codes.to_numpy()[:, None].astype(float)
    folds = StratifiedGroupKFold(cv, shuffle=True, random_state=seed).split(
        frame, y, frame["tweet_id"]
    )
    kw = {} if empty_text is None else {"empty_text": empty_text}
    scores, blank_scores, train_values, test_values, seconds = [], [], [], [], []
    for train, test in folds:
        cls = TfidfLinearEncoder if encoder_name == "TfidfLinearEncoder" else TextCNNEncoder
        enc = cls(random_state=seed, **kw)
        started = time.perf_counter()
        oof = enc.fit_transform(frame[["text"]].iloc[train], y[train])
        new = enc.transform(frame[["text"]].iloc[test])
        seconds.append(time.perf_counter() - started)
        hgb = HistGradientBoostingClassifier(categorical_features=[0], random_state=seed)
        hgb.fit(np.hstack([airline[train], oof]), y[train])
        pred = hgb.predict(np.hstack([airline[test], new]))
        scores.append(float(np.mean(pred == y[test])))
        b = blank[test]
        blank_scores.append(float(np.mean(pred[b] == y[test][b])))
        rounded = np.round(oof[blank[train]], 6)
        train_values.append(len({tuple(r) for r in np.nan_to_num(rounded, nan=-1)}))
        known = {tuple(r) for r in np.nan_to_num(rounded, nan=-1)}
        test_rows = {tuple(r) for r in np.nan_to_num(np.round(new[b], 6), nan=-1)}
        test_values.append(len(test_rows - known))
    return {
        "encoder": encoder_name,
        "accuracy": float(np.mean(scores)),
        "accuracy_sd": float(np.std(scores, ddof=1)),
        "per_fold": scores,
        "blank_accuracy": float(np.mean(blank_scores)),
        "blank_values_train": int(np.median(train_values)),
        "blank_values_new_only_at_transform": int(np.median(test_values)),
        "fit_s": float(np.median(seconds)),
    }


def main() -> None:
    import inspect

    from textcnn import TfidfLinearEncoder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoders", default="TfidfLinearEncoder,TextCNNEncoder")
    parser.add_argument("--out", default=str(RESULTS / "sparse_text"))
    args = parser.parse_args()
    has_rule = "empty_text" in inspect.signature(TfidfLinearEncoder).parameters
    rules = [("after", "prior"), ("after, nan", "nan")] if has_rule else [("before", None)]
    frame, blank = sparse_airline(args.seed)
    print(f"{len(frame)} tweets, {blank.mean():.0%} blank")
    out = Path(args.out)
    saved = out.with_suffix(".json")
    rows = json.loads(saved.read_text())["rows"] if saved.exists() else []
    for label, rule in rules:
        rows = [r for r in rows if r["label"] != label]
        for name in args.encoders.split(","):
            row = {"label": label, **run(name, rule, frame, blank, args.cv, args.seed)}
            print(row)
            rows.append(row)
    rows.sort(key=lambda r: (r["encoder"], r["label"]))
    lines = [
        f"sparse_text.py, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: airline tweets, "
        f"{blank.mean():.0%} of the texts blanked (85 % of the negative ones, 45 % of the "
        f"others), {args.cv} outer folds, HistGradientBoosting on the features + airline",
        "",
        "| encoder | rule | accuracy % (fold SD) | on blank test rows % | blank rows' values in "
        "training | values new at transform | encoder fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['encoder']} | {r['label']} | {100 * r['accuracy']:.2f} "
            f"({100 * r['accuracy_sd']:.2f}) | {100 * r['blank_accuracy']:.2f} | "
            f"{r['blank_values_train']} | {r['blank_values_new_only_at_transform']} | "
            f"{r['fit_s']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    publish(out, text, {"rows": rows})


if __name__ == "__main__":
    main()
