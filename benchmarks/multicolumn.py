"""Several text columns: one network per column against one shared network (book prices).

The book-prices table (``textcnn.datasets.load_book_prices``: Title, Author, Edition,
Synopsis, Genre, BookCategory; target log10(price + 1)) inside HistGradientBoosting, the
same outer folds for every configuration (grouped by ``Synopsis``: the table repeats books),
the text encoders' inner folds grouped the same way:

- ``numeric only``: HGB on ``stars`` and ``n_reviews`` alone;
- ``categories``: + Author, Edition, Genre, BookCategory as HGB categories (no text model);
- ``tfidf per column``: + ``TfidfLinearEncoder`` on the six text columns;
- ``cnn per column``: + ``TextCNNEncoder()`` on the six text columns (one network per
  column and fold, the encoder as shipped);
- ``cnn shared``: + one ``TextCNNEncoder()`` over every (row, column) pair, each text
  prefixed with its column's name ("title : ...", "synopsis : ..."), so one network, its
  embedding and filters shared by the columns, the prefix acting as a column embedding;
  its out-of-fold output per (row, column) is reshaped to one feature per column, so the
  contract is the same (a row's features come from networks that never saw the row).
  A prototype measured here before any of it is built into the encoder.

Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/multicolumn.py              # ~30 min
    TEXTCNN_DATA=../shared/data python benchmarks/multicolumn.py --cv 2 --configs tfidf

Writes ``benchmarks/results/multicolumn.{md,json}`` (atomically) and prints the table.
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

RESULTS = Path(__file__).parent / "results"
CONFIGS = ("numeric only", "categories", "tfidf per column", "cnn per column", "cnn shared")
NUMERIC = ["stars", "n_reviews"]
CATEGORIES = ["Author", "Edition", "Genre", "BookCategory"]


def load():
    from textcnn.datasets import BOOK_TEXT_COLUMNS, load_book_prices

    frame = load_book_prices()
    groups = frame["Synopsis"].factorize()[0]
    return frame, list(BOOK_TEXT_COLUMNS), groups


def long_texts(frame, columns: list[str]) -> list[str]:
    """Every (row, column) text prefixed with its column, row-major."""
    cells = frame[columns].astype(str).to_numpy()
    names = [c.lower() for c in columns]
    return [f"{names[j]} : {cells[i, j]}" for i in range(len(cells)) for j in range(len(names))]


def text_features(config, train, test, y, groups, columns, seed):
    """(train features, test features, fit seconds) of one configuration's text encoders."""
    from textcnn import TextCNNEncoder, TfidfLinearEncoder

    started = time.perf_counter()
    if config == "tfidf per column":
        enc = TfidfLinearEncoder(target_type="continuous", random_state=seed)
        oof = enc.fit_transform(train[columns], y, groups=groups)
        return oof, enc.transform(test[columns]), time.perf_counter() - started
    if config == "cnn per column":
        enc = TextCNNEncoder(target_type="continuous", random_state=seed)
        oof = enc.fit_transform(train[columns], y, groups=groups)
        return oof, enc.transform(test[columns]), time.perf_counter() - started
    # cnn shared: one network over (row, column) pairs
    k = len(columns)
    enc = TextCNNEncoder(target_type="continuous", random_state=seed)
    oof = enc.fit_transform(
        long_texts(train, columns), np.repeat(y, k), groups=np.repeat(groups, k)
    ).reshape(len(train), k)
    out = enc.transform(long_texts(test, columns)).reshape(len(test), k)
    return oof, out, time.perf_counter() - started


def run_fold(config, frame, columns, groups, train_rows, test_rows, seed) -> dict:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import r2_score

    train, test = frame.iloc[train_rows], frame.iloc[test_rows]
    y = train["log_price"].to_numpy()
    X_train, X_test = train[NUMERIC].copy(), test[NUMERIC].copy()
    text_s = 0.0
    if config != "numeric only":
        for c in CATEGORIES:  # codes learned on the training rows only
            # HGB takes at most 255 categories: the 254 most frequent, the rest one code
            top = train[c].value_counts().index[:254]
            codes = {v: i for i, v in enumerate(top)}
            rest = train[c].where(train[c].isin(top))
            X_train[c] = rest.map(codes).fillna(254).astype(float)
            known = test[c].isin(set(train[c]))
            X_test[c] = test[c].map(codes).where(~known | test[c].isin(top), 254).astype(float)
            # unseen in training: NaN
    if config in ("tfidf per column", "cnn per column", "cnn shared"):
        oof, new, text_s = text_features(config, train, test, y, groups[train_rows], columns, seed)
        for j, c in enumerate(columns):
            X_train[f"{c}__text"], X_test[f"{c}__text"] = oof[:, j], new[:, j]
    cats = [c in CATEGORIES for c in X_train.columns]
    model = HistGradientBoostingRegressor(categorical_features=cats, random_state=seed)
    model.fit(X_train, y)
    return {"r2": float(r2_score(test["log_price"], model.predict(X_test))), "text_s": text_s}


def main() -> None:
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=3, help="outer folds (grouped by Synopsis)")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "multicolumn"))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(torch.get_num_threads())  # torch loaded before any timing
    frame, columns, groups = load()
    splitter = GroupKFold(args.cv, shuffle=True, random_state=args.seed)
    folds = list(splitter.split(frame, groups=groups))
    rows = []
    for config in args.configs.split(","):
        for f, (tr, te) in enumerate(folds):
            row = {"config": config, "fold": f}
            row |= run_fold(config, frame, columns, groups, tr, te, args.seed)
            rows.append(row)
            print(
                f"{config:18s} fold {f}: R² {row['r2']:.4f}, text {row['text_s']:.0f} s", flush=True
            )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"multicolumn.py, {stamp}, {platform.machine()} {os.cpu_count()} cores; book prices, "
        f"{len(frame)} rows, {args.cv} outer folds grouped by Synopsis, HistGradientBoosting",
        "",
        "| configuration | R² (mean ± fold SD) | per fold | text features s per fold |",
        "|---|---|---|---|",
    ]
    for config in dict.fromkeys(r["config"] for r in rows):
        mine = [r for r in rows if r["config"] == config]
        r2 = np.array([r["r2"] for r in mine])
        lines.append(
            f"| {config} | {r2.mean():.4f} ± {r2.std():.4f} | "
            f"{', '.join(f'{v:.4f}' for v in r2)} | "
            f"{np.mean([r['text_s'] for r in mine]):.0f} |"
        )
    md = "\n".join(lines) + "\n"
    publish(args.out, md, {"rows": rows})


if __name__ == "__main__":
    main()
