"""Shared by the tabular examples: text featurizers compared under one CV, table and chart.

Every configuration is one scikit-learn ``Pipeline``: a ``ColumnTransformer`` (ordinal
codes for the categorical columns, numbers as they are, and the configuration's text
step on the text column) feeding ``HistGradientBoosting*``. ``cross_validate`` runs
them all on the same folds, so the per-fold differences are paired.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OrdinalEncoder

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"
BASELINES = ("no text", "TF-IDF-SVD(50)", "OOF TF-IDF-linear", "skrub StringEncoder(30)")


def text_steps(regression: bool, cnn_params: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """The text step(s) of each configuration (name -> [(step name, transformer)])."""
    target_type = "continuous" if regression else "auto"
    cnn = {"target_type": target_type, "random_state": 0, **cnn_params}
    steps: dict[str, list[tuple[str, Any]]] = {
        "no text": [],
        "TF-IDF-SVD(50)": [
            (
                "svd",
                make_pipeline(
                    TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)),
                    TruncatedSVD(50, random_state=0),
                ),
            )
        ],
        "OOF TF-IDF-linear": [
            ("tfidf", TfidfLinearEncoder(target_type=target_type, random_state=0))
        ],
    }
    try:
        from skrub import StringEncoder

        steps["skrub StringEncoder(30)"] = [("skrub", StringEncoder(30, random_state=0))]
    except ImportError:
        logging.warning("skrub is not installed: its StringEncoder column is skipped")
    steps["TextCNN (ours)"] = [("cnn", TextCNNEncoder(**cnn))]
    steps["TextCNN + TF-IDF-linear (ours)"] = [
        ("cnn", TextCNNEncoder(**cnn)),
        ("tfidf", TfidfLinearEncoder(target_type=target_type, random_state=0)),
    ]
    # the network's own output and the n-gram model's as separate columns: the booster
    # weighs them (row by row, with the other columns) instead of the fixed 0.5 blend
    steps["TextCNN unblended + TF-IDF-linear (ours)"] = [
        ("cnn", TextCNNEncoder(**{**cnn, "linear_blend": 0.0})),
        ("tfidf", TfidfLinearEncoder(target_type=target_type, random_state=0)),
    ]
    return steps


def only_configs() -> list[str] | None:
    """``--only NAME ...`` on an example's command line: run these configurations only,
    merged into the results already saved (every configuration is deterministic, on the
    same folds, so the paired margins stay valid)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", default=None, help="configuration names")
    return parser.parse_args().only


def make_model(
    steps: list[tuple[str, Any]],
    text: str,
    categorical: list[str],
    numeric: list[str],
    regression: bool,
) -> Pipeline:
    """ColumnTransformer (categorical, numeric, text steps) -> HistGradientBoosting."""
    codes = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)
    columns = ColumnTransformer(
        [("cat", codes, categorical), ("num", "passthrough", numeric)]
        + [(name, step, text) for name, step in steps],
    )
    booster = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    # the categorical codes are the first output columns
    head = booster(categorical_features=list(range(len(categorical))), random_state=0)
    return Pipeline([("columns", columns), ("hgb", head)])


def compare(
    name: str,
    frame: pd.DataFrame,
    target: str,
    text: str,
    categorical: list[str],
    numeric: list[str],
    splitter: Any,
    regression: bool,
    groups: np.ndarray | None = None,
    cnn_params: dict[str, Any] | None = None,
    only: list[str] | None = None,
) -> pd.DataFrame:
    """Cross-validate every configuration on the same folds; print and save the results."""
    if regression:
        scoring = {"R²": "r2", "RMSE": "neg_root_mean_squared_error"}
    else:
        scoring = {"accuracy": "accuracy", "log-loss": "neg_log_loss"}
    X, y = frame.drop(columns=[target]), frame[target].to_numpy()
    rows, per_fold = [], {}
    saved = RESULTS / f"{name}.json"
    if only and saved.exists():  # merge: keep the configurations not run now
        old = json.loads(saved.read_text())
        rows = [r for r in old["table"] if r["features"] not in only]
        per_fold = {k: v for k, v in old["per_fold"].items() if k not in only}
    for config, steps in text_steps(regression, cnn_params or {}).items():
        if only and config not in only:
            continue
        model = make_model(steps, text, categorical, numeric, regression)
        start = time.perf_counter()
        cv = cross_validate(model, X, y, cv=splitter, groups=groups, scoring=scoring)
        wall = time.perf_counter() - start
        row: dict[str, Any] = {"features": config}
        for metric in scoring:
            values = cv[f"test_{metric}"] * (-1 if metric in ("RMSE", "log-loss") else 1)
            row[metric], row[f"{metric} sd"] = float(values.mean()), float(values.std())
            per_fold.setdefault(config, {})[metric] = values.tolist()
        row["fit s/fold"] = float(np.mean(cv["fit_time"]))
        row["total s"] = wall
        rows.append(row)
        print(
            f"{config:34s} " + "  ".join(f"{m} {row[m]:.4f}±{row[m + ' sd']:.4f}" for m in scoring)
        )
    table = pd.DataFrame(rows)
    primary = next(iter(scoring))
    report = render(name, table, per_fold, primary, list(scoring))
    print(report)
    RESULTS.mkdir(exist_ok=True)
    write_text_atomic(RESULTS / f"{name}.md", report)
    write_text_atomic(
        RESULTS / f"{name}.json",
        json.dumps({"table": rows, "per_fold": per_fold}, indent=1),
    )
    chart(name, table, primary, RESULTS / f"{name}.png")
    return table


def render(name: str, table: pd.DataFrame, per_fold: dict, primary: str, metrics: list[str]) -> str:
    """Markdown table, plus the paired margin of our features over the best baseline."""
    lines = [
        f"| features ({name}) | " + " | ".join(metrics) + " | fit s/fold |",
        "|---|" + "---|" * (len(metrics) + 1),
    ]
    for _, r in table.iterrows():
        cells = [f"{r[m]:.4f} ± {r[m + ' sd']:.4f}" for m in metrics]
        lines.append(f"| {r['features']} | " + " | ".join(cells) + f" | {r['fit s/fold']:.1f} |")
    base = table[table["features"].isin(BASELINES)]
    ours = table[~table["features"].isin(BASELINES)]
    if len(base) and len(ours):
        best = base.loc[base[primary].idxmax()]
        lines += ["", f"Best baseline on {primary}: {best['features']}."]
        for _, r in ours.iterrows():
            gain = np.array(per_fold[r["features"]][primary]) - per_fold[best["features"]][primary]
            sd = max(best[f"{primary} sd"], r[f"{primary} sd"])
            verdict = "beats" if r[primary] - best[primary] > sd else "does NOT beat"
            won = int((gain > 0).sum())
            lines.append(
                f"- {r['features']}: {primary} {r[primary] - best[primary]:+.4f} over it "
                f"(paired per fold: {gain.mean():+.4f} ± {gain.std():.4f}; won {won}/{len(gain)} "
                f"folds); fold SD {sd:.4f} (the larger of the two): {verdict} every baseline by "
                "more than the fold SD."
            )
    return "\n".join(lines) + "\n"


def chart(name: str, table: pd.DataFrame, metric: str, path: Path) -> None:
    """Bar chart of ``metric`` (mean ± fold SD) per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6))
    colors = ["#999999" if f in BASELINES else "#1f77b4" for f in table["features"]]
    ax.barh(table["features"], table[metric], xerr=table[f"{metric} sd"], color=colors)
    low = table[metric].min() - 3 * table[f"{metric} sd"].max()
    ax.set_xlim(max(0.0, low), min(1.0, table[metric].max() + 3 * table[f"{metric} sd"].max()))
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} (5-fold CV, mean ± fold SD); HistGradientBoosting")
    ax.set_title(f"{name}: tabular columns + text features")
    fig.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def timed(label: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` and print how long it took."""
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    return result
