"""Does a target-aware representation of the fold networks add lift inside HistGradientBoosting?

Issue 23's lead (MulTaBench: a target-tuned encoder's features reduced to a few components
and fed to the tabular learner). Per data set (airline tweets, 3 classes; wine reviews,
points as regression), one run:

1. ``TextCNNEncoder()`` and ``TfidfLinearEncoder()`` out-of-fold on all rows (the same inner
   5 folds);
2. per fold network, its pooled filter activations (``TextCNN.features``) for every row;
   reduced to k components by PLS (k = 4, 8; fitted on that fold's training rows against the
   one-hot / standardised target) or PCA (k = 8, training rows), applied to the fold's
   held-out rows: leak-free like the predictions;
3. HistGradientBoosting on the tabular columns plus each feature set, 5 outer folds
   (grouped by tweet for airline), scored per fold; margins paired by fold against the
   ``TfidfLinearEncoder`` features.

The text features are computed once on all rows (not refitted inside each outer fold, as the
examples do): a probe of which *features* help, not a nested estimate. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/representation.py

Writes ``benchmarks/results/representation.{md,json}``.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.cross_decomposition import PLSRegression
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import KFold, StratifiedGroupKFold, StratifiedKFold, cross_validate

from textcnn import TextCNNEncoder, TfidfLinearEncoder, _embeddings
from textcnn.datasets import load_airline_tweets, load_wine_reviews
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


def airline() -> tuple[pd.DataFrame, list[str], np.ndarray, np.ndarray, bool]:
    """Tabular columns, texts, target and groups of the airline tweets (as the example)."""
    t = load_airline_tweets()
    created = pd.to_datetime(t["tweet_created"].str[:19])
    tab = pd.DataFrame(
        {
            "airline": t["airline"].astype("category"),
            "user_timezone": t["user_timezone"].astype("category"),
            "retweet_count": t["retweet_count"],
            "hour": created.dt.hour,
            "weekday": created.dt.day_of_week,
            "day": created.dt.day,
        }
    )
    texts = t["text"].fillna("").tolist()
    return tab, texts, t["airline_sentiment"].to_numpy(), t["tweet_id"].to_numpy(), False


def wine() -> tuple[pd.DataFrame, list[str], np.ndarray, None, bool]:
    """Tabular columns, texts and target of the wine reviews (as the example)."""
    w = load_wine_reviews()
    tab = pd.DataFrame(
        {
            "price": w["price"],
            "alcohol": pd.to_numeric(w["alcohol"].str.rstrip("%"), errors="coerce"),
            "year": w["year"],
            "location": w["location"].astype("category"),
            "varietal": w["varietal"].astype("category"),
        }
    )
    texts = w["description"].fillna("").tolist()
    return tab, texts, w["points"].to_numpy(float), None, True


def pooled(net: torch.nn.Module, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One fold network's pooled filter activations for every row, (n, n_kernels * F)."""
    out = []
    with torch.inference_mode():
        for a in range(0, len(ids), 512):
            x = torch.from_numpy(ids[a : a + 512].astype(np.int64))
            out.append(net.features(x, torch.from_numpy(lengths[a : a + 512]))[0].numpy())
    return np.concatenate(out)


def feature_sets(texts: list[str], y: np.ndarray, regression: bool) -> tuple[dict, dict]:
    """The out-of-fold feature sets, and the seconds each encoder took."""
    inner = (KFold if regression else StratifiedKFold)(5, shuffle=True, random_state=1)
    folds = list(inner.split(texts, y))
    params = dict(cv=inner, random_state=0, target_type="continuous" if regression else "auto")
    frame = pd.DataFrame({"text": texts})
    seconds = {}
    start = time.perf_counter()
    cnn = TextCNNEncoder(**params)
    prediction = np.asarray(cnn.fit_transform(frame, y))
    seconds["TextCNNEncoder"] = time.perf_counter() - start
    start = time.perf_counter()
    tfidf = np.asarray(TfidfLinearEncoder(**params).fit_transform(frame, y))
    seconds["TfidfLinearEncoder"] = time.perf_counter() - start
    ids, lengths = _embeddings.encode_wordpieces(texts, cnn.vocabularies_[0], cnn.max_length)
    if regression:
        target = ((y - y.mean()) / y.std())[:, None]
    else:
        target = (y[:, None] == np.unique(y)[None]).astype(float)
    start = time.perf_counter()
    reduced = {
        name: np.zeros((len(y), 8 if name != "PLS 4" else 4))
        for name in ("PLS 4", "PLS 8", "PCA 8")
    }
    for f, (train, test) in enumerate(folds):
        feats = pooled(cnn.models_[0][f].module.eval(), ids, lengths)
        for k in (4, 8):
            pls = PLSRegression(k, scale=False).fit(feats[train], target[train])
            reduced[f"PLS {k}"][test] = pls.transform(feats[test])
        reduced["PCA 8"][test] = PCA(8, random_state=0).fit(feats[train]).transform(feats[test])
    seconds["components"] = time.perf_counter() - start
    sets = {
        "no text": [],
        "TfidfLinearEncoder": [tfidf],
        "TextCNNEncoder": [prediction],
        "TextCNNEncoder + TfidfLinearEncoder": [prediction, tfidf],
        "TextCNNEncoder + PLS 4": [prediction, reduced["PLS 4"]],
        "TextCNNEncoder + PLS 8": [prediction, reduced["PLS 8"]],
        "TextCNNEncoder + PCA 8": [prediction, reduced["PCA 8"]],
        "TextCNNEncoder + TfidfLinearEncoder + PLS 8": [prediction, tfidf, reduced["PLS 8"]],
    }
    return sets, seconds


def hgb_scores(tab, parts, y, outer, groups, regression: bool) -> np.ndarray:
    """HistGradientBoosting on the tabular columns plus feature blocks: the outer folds' scores."""
    blocks = [pd.DataFrame(p).add_prefix(f"{i}_") for i, p in enumerate(parts)]
    matrix = pd.concat([tab.reset_index(drop=True), *blocks], axis=1)
    learner = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    cv = cross_validate(
        learner(categorical_features="from_dtype", random_state=0),
        matrix,
        y,
        cv=outer,
        groups=groups,
        scoring="r2" if regression else "accuracy",
    )
    return cv["test_score"]


def main() -> None:
    report, out = [], {}
    for name, load in (("airline", airline), ("wine", wine)):
        tab, texts, y, groups, regression = load()
        sets, seconds = feature_sets(texts, y, regression)
        outer = (
            KFold(5, shuffle=True, random_state=0)
            if regression
            else StratifiedGroupKFold(5, shuffle=True, random_state=0)
        )
        scores = {
            config: hgb_scores(tab, parts, y, outer, groups, regression)
            for config, parts in sets.items()
        }
        base = scores["TfidfLinearEncoder"]
        report += [
            f"\n**{name}** ({'R²' if regression else 'accuracy'}; encoder seconds: "
            + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items())
            + ")\n",
            "| features (+ tabular columns) | score (mean ± fold SD) | over TfidfLinearEncoder "
            "(paired, mean ± SD) | folds won |",
            "|---|---|---|---|",
        ]
        for config, sc in scores.items():
            gain = sc - base
            report.append(
                f"| {config} | {sc.mean():.4f} ± {sc.std():.4f} | {gain.mean():+.4f} ± "
                f"{gain.std():.4f} | {int((gain > 0).sum())}/{len(gain)} |"
            )
        out[name] = {"scores": {k: v.tolist() for k, v in scores.items()}, "seconds": seconds}
        print("\n".join(report[-len(scores) - 3 :]), flush=True)
    head = (
        f"Representation probe, {date.today()}, {platform.machine()}; HistGradientBoosting, "
        "5 outer folds; text features out-of-fold on all rows (5 inner folds)\n"
    )
    write_text_atomic(RESULTS / "representation.md", head + "\n".join(report) + "\n")
    write_text_atomic(RESULTS / "representation.json", json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
