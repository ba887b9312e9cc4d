"""Cost of the cheap encoder: TfidfLinearEncoder against a hand-written TF-IDF + linear OOF.

Same folds for both. The hand-written baseline is what a user writes in a minute:
``make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
LogisticRegression(max_iter=1000))`` (``Ridge`` for regression) through
``cross_val_predict``. Prints a table and writes ``benchmarks/results/tfidf_cost.{md,json}``.

    TEXTCNN_DATA=../shared/data python benchmarks/tfidf_cost.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, r2_score
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from textcnn import TfidfLinearEncoder
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tasks() -> dict:
    from textcnn import datasets

    airline = datasets.load_airline_tweets()
    wine = datasets.load_wine_reviews()
    return {
        "airline (3 classes)": (airline[["text"]], airline["airline_sentiment"], False),
        "wine (regression)": (wine[["description"]], wine["points"].astype(float), True),
        "wine points as 21 classes": (wine[["description"]], wine["points"], False),
    }


def score(y, pred, regression: bool, classes=None) -> str:
    if regression:
        return f"R² {r2_score(y, pred[:, 0]):.4f}"
    return (
        f"acc {accuracy_score(y, classes[pred.argmax(1)]):.4f}, "
        f"log-loss {log_loss(y, pred, labels=classes):.4f}"
    )


def run_one(X, y, regression: bool, seed: int) -> dict:
    splitter = (KFold if regression else StratifiedKFold)(5, shuffle=True, random_state=seed)
    folds = list(splitter.split(X, y))
    texts = X.iloc[:, 0].fillna("").astype(str)
    row = {}
    linear = Ridge(alpha=1.0) if regression else LogisticRegression(max_iter=1000)
    hand = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), linear)
    wall, cpu = time.perf_counter(), cpu_seconds()
    method = "predict" if regression else "predict_proba"
    pred = cross_val_predict(hand, texts, y, cv=folds, method=method)
    pred = pred[:, None] if regression else pred
    row["hand_s"], row["hand_cpu_s"] = time.perf_counter() - wall, cpu_seconds() - cpu
    classes = None if regression else np.unique(y)
    row["hand_score"] = score(y, pred, regression, classes)
    enc = TfidfLinearEncoder(cv=folds, target_type="continuous" if regression else "auto")
    wall, cpu = time.perf_counter(), cpu_seconds()
    oof = enc.fit_transform(X, y)
    row["ours_s"], row["ours_cpu_s"] = time.perf_counter() - wall, cpu_seconds() - cpu
    if not regression and oof.shape[1] == 1:
        oof = np.column_stack([1 - oof[:, 0], oof[:, 0]])
    row["ours_score"] = score(y, oof, regression, None if regression else enc.classes_)
    row["ratio_wall"] = row["ours_s"] / row["hand_s"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "tfidf_cost"))
    args = parser.parse_args()
    rows = {}
    for name, (X, y, regression) in tasks().items():
        rows[name] = run_one(X, y, regression, args.seed)
        r = rows[name]
        print(
            f"{name:28s} ours {r['ours_s']:6.1f} s ({r['ours_cpu_s']:6.1f} CPU-s) {r['ours_score']}"
            f" | hand {r['hand_s']:6.1f} s ({r['hand_cpu_s']:6.1f} CPU-s) {r['hand_score']}"
            f" | ratio {r['ratio_wall']:.2f}x",
            flush=True,
        )
    head = (
        f"TfidfLinearEncoder cost, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
        "5 folds (the same for both), one run\n\n"
        "| data set | TfidfLinearEncoder s (CPU-s) | score | hand-written s (CPU-s) | score "
        "| ratio |\n|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {n} | {r['ours_s']:.1f} ({r['ours_cpu_s']:.1f}) | {r['ours_score']} | "
        f"{r['hand_s']:.1f} ({r['hand_cpu_s']:.1f}) | {r['hand_score']} | {r['ratio_wall']:.2f}x |"
        for n, r in rows.items()
    ]
    write_text_atomic(f"{args.out}.md", head + "\n".join(lines) + "\n")
    write_text_atomic(f"{args.out}.json", json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
