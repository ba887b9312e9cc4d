"""AutoML systems with and without textcnn: AutoGluon (and H2O AutoML if Java is present).

On airline tweets (3-class sentiment, accuracy) and wine reviews (points, R²), the same
outer folds for every configuration (5-fold: stratified for the tweets, deduplicated by
``tweet_id``; plain for the wines), each system with one fixed setting and the same time
limit per fit:

- ``autogluon``: ``TabularPredictor`` with its default feature pipeline (its own text
  handling: n-gram counts and text statistics), preset ``medium_quality`` (AutoGluon's
  default; ``good_quality``'s bagging and refit on all rows do not finish inside 150 s on
  2 cores) with ``dynamic_stacking=False`` (DyStack's sub-fit would fit the feature
  generator a second time; off for every configuration alike);
- ``autogluon+tfidf``: the cheap plugin, ``TextCNNFeatureGenerator`` with
  ``TfidfLinearEncoder()`` alone (out-of-fold TF-IDF + linear model columns);
- ``autogluon+textcnn``: ``TextCNNFeatureGenerator`` in front of that
  pipeline (``textcnn.autogluon``), ``TextCNNEncoder()`` with its defaults;
- ``autogluon+textcnn+tfidf``: ... and ``TfidfLinearEncoder()``'s features too;
- ``h2o``, ``h2o+textcnn``, ``h2o+textcnn+tfidf``: ``H2OAutoML`` on the same columns
  (the text as H2O parses it: a ``string`` column its algorithms drop), or with the
  features textcnn makes outside it (out-of-fold on the training fold, the fold
  average on the test fold). Skipped when no ``java`` is found.

The time limit covers the whole fit, text features included: AutoGluon's ``time_limit``
counts its feature generation; H2O gets ``max_runtime_secs`` = limit - text-feature
seconds (at least a tenth of the limit). Every (data set, configuration, fold) runs in
its own subprocess; rows are appended to ``<out>.jsonl`` as they finish, and a rerun
skips the rows already there (delete the file to start over). Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/automl.py             # full: hours
    TEXTCNN_DATA=../shared/data python benchmarks/automl.py --quick     # minutes
    TEXTCNN_DATA=../shared/data python benchmarks/automl.py --datasets wine --systems autogluon

Writes ``benchmarks/results/automl.{md,json,png}`` (``automl_quick.*`` with ``--quick``):
score mean ± fold SD, the second metric, fit and predict seconds per fold, the text
features' seconds and how many times each text encoder was fitted per fit (1 = no
hidden refits in AutoGluon's bags), and per system the paired per-fold margins of the
textcnn configurations over the system alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from textcnn.io import atomic_path, write_text_atomic

RESULTS = Path(__file__).parent / "results"

DATASETS = ("airline", "wine")
AG_CONFIGS = ("autogluon", "autogluon+tfidf", "autogluon+textcnn", "autogluon+textcnn+tfidf")
H2O_CONFIGS = ("h2o", "h2o+textcnn", "h2o+textcnn+tfidf")
CONFIGS = AG_CONFIGS + H2O_CONFIGS
QUICK = {"datasets": "airline", "max_rows": 600, "cv": 2, "time_limit": 20.0}


# ---------------------------------------------------------------------------- data
def load(dataset: str, max_rows: int | None, seed: int):
    """(frame, target, text column, regression) with the columns every system gets."""
    import pandas as pd

    from textcnn import datasets

    if dataset == "airline":
        tweets = datasets.load_airline_tweets()  # leaky annotation columns dropped
        # the file repeats some tweets: keep one row per tweet, so that no fold (outer, or
        # the text encoders' inner ones) holds a copy of a test row
        tweets = tweets.drop_duplicates("tweet_id").reset_index(drop=True)
        created = pd.to_datetime(tweets["tweet_created"].str[:19])
        frame = pd.DataFrame(
            {
                "text": tweets["text"].fillna(""),
                "airline": tweets["airline"],
                "user_timezone": tweets["user_timezone"],
                "retweet_count": tweets["retweet_count"],
                "hour": created.dt.hour,
                "weekday": created.dt.day_of_week,
                "day": created.dt.day,
                "sentiment": tweets["airline_sentiment"],
            }
        )
        target, text, regression = "sentiment", "text", False
    elif dataset == "wine":
        wine = datasets.load_wine_reviews()
        frame = pd.DataFrame(
            {
                "description": wine["description"].fillna(""),
                "price": wine["price"],
                "alcohol": pd.to_numeric(wine["alcohol"].str.rstrip("%"), errors="coerce"),
                "year": wine["year"],
                "location": wine["location"],
                "varietal": wine["varietal"],
                "points": wine["points"].astype(float),
            }
        )
        target, text, regression = "points", "description", True
    else:
        raise ValueError(f"unknown data set {dataset!r}; choose from {DATASETS}")
    if max_rows and max_rows < len(frame):
        frame = frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)
    return frame, target, text, regression


def folds(frame, target: str, regression: bool, cv: int, seed: int) -> list:
    """The outer folds, identical for every configuration."""
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (KFold if regression else StratifiedKFold)(cv, shuffle=True, random_state=seed)
    return list(splitter.split(frame, frame[target]))


def encoders(config: str, regression: bool, seed: int) -> list:
    from textcnn import TextCNNEncoder, TfidfLinearEncoder

    target_type = "continuous" if regression else "auto"
    chosen = []
    if "+textcnn" in config:
        chosen.append(TextCNNEncoder(target_type=target_type, random_state=seed))
    if config.endswith("+tfidf"):
        chosen.append(TfidfLinearEncoder(target_type=target_type, random_state=seed))
    return chosen


def scores(y_true, proba, pred, regression: bool) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score

    if regression:
        return {
            "score": float(r2_score(y_true, pred)),
            "second": float(np.sqrt(mean_squared_error(y_true, pred))),
        }
    return {
        "score": float(accuracy_score(y_true, pred)),
        "second": float(log_loss(y_true, proba.to_numpy(), labels=list(proba.columns))),
    }


class _FitCounter:
    """Counts fit / fit_transform calls of the text encoder classes (hidden refits)."""

    def __init__(self) -> None:
        from textcnn import TextCNNEncoder, TfidfLinearEncoder

        self.calls: dict[str, int] = {}
        for cls in (TextCNNEncoder, TfidfLinearEncoder):
            for name in ("fit", "fit_transform"):
                self._wrap(cls, name)

    def _wrap(self, cls: type, name: str) -> None:
        original = getattr(cls, name)
        key = cls.__name__

        def counted(encoder, *args, **kwargs):
            self.calls[key] = self.calls.get(key, 0) + 1
            return original(encoder, *args, **kwargs)

        setattr(cls, name, counted)


# ---------------------------------------------------------------------------- one fit
def run_autogluon(config, train, test, target, regression, args) -> dict[str, Any]:
    from autogluon.tabular import TabularPredictor

    counter = _FitCounter()
    generator: Any = "auto"
    if config != "autogluon":
        from textcnn.autogluon import TextCNNFeatureGenerator

        generator = TextCNNFeatureGenerator(
            encoders=encoders(config, regression, args.seed),
            time_limit=args.time_limit if args.budget else None,  # the plugin's time budget
        )
    path = tempfile.mkdtemp(prefix="ag-")
    try:
        predictor = TabularPredictor(
            label=target,
            problem_type="regression" if regression else "multiclass",
            eval_metric="r2" if regression else "accuracy",
            path=path,
            verbosity=1,
        )
        start = time.perf_counter()
        predictor.fit(
            train,
            presets=args.preset,
            time_limit=args.time_limit,
            dynamic_stacking=False,
            feature_generator=generator,
        )
        fit_s = time.perf_counter() - start
        fits = dict(counter.calls)
        X_test = test.drop(columns=[target])
        start = time.perf_counter()
        if regression:
            proba, pred = None, predictor.predict(X_test)
        else:
            proba = predictor.predict_proba(X_test)
            pred = proba.idxmax(axis=1)
        predict_s = time.perf_counter() - start
        fg = predictor._learner.feature_generator
        return {
            **scores(test[target], proba, pred, regression),
            "fit_s": fit_s,
            "predict_s": predict_s,
            "text_s": float(getattr(fg, "encoder_fit_time_", 0.0)),
            "text_fits": fits,
            "best_model": predictor.model_best,
            "n_models": len(predictor.model_names()),
            "budget_s": getattr(fg, "time_budget_", None),
            "fallbacks": list(getattr(fg, "fallbacks_", [])),
            "text_features": list(getattr(fg, "text_features_", [])),
        }
    finally:
        shutil.rmtree(path, ignore_errors=True)


def run_h2o(config, train, test, target, text, regression, args) -> dict[str, Any]:
    import pandas as pd

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return {"skipped": "no Java (apt-get install default-jre-headless)"}
    os.environ.setdefault("DO_NOT_TRACK", "1")  # H2O's telemetry is opt-in: keep it off
    import h2o
    from h2o.automl import H2OAutoML

    h2o.init(nthreads=-1, max_mem_size="6G", verbose=False)
    h2o.no_progress()
    try:
        start = time.perf_counter()
        text_s, fits = 0.0, {}
        if config != "h2o":
            counter = _FitCounter()
            chosen = [
                e.set_output(transform="pandas") for e in encoders(config, regression, args.seed)
            ]
            others = [c for c in train.columns if c != text]
            train = pd.concat(
                [train[others]]
                + [
                    e.fit_transform(train[[text]], train[target]).set_index(train.index)
                    for e in chosen
                ],
                axis=1,
            )
            test = pd.concat(
                [test[others]] + [e.transform(test[[text]]).set_index(test.index) for e in chosen],
                axis=1,
            )
            text_s, fits = time.perf_counter() - start, dict(counter.calls)
        train_h2o = h2o.H2OFrame(train)
        test_h2o = h2o.H2OFrame(test)  # with its target: H2O 3.46's ensembles need it
        if not regression:
            train_h2o[target] = train_h2o[target].asfactor()
            test_h2o[target] = test_h2o[target].asfactor()
        budget = max(args.time_limit - text_s, 0.1 * args.time_limit)
        automl = H2OAutoML(max_runtime_secs=max(1, int(budget)), seed=args.seed, verbosity=None)
        automl.train(
            x=[c for c in train.columns if c != target], y=target, training_frame=train_h2o
        )
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        with warnings.catch_warnings():  # "install polars for a multi-threaded conversion"
            warnings.simplefilter("ignore")
            out = automl.leader.predict(test_h2o).as_data_frame(use_multi_thread=False)
        predict_s = time.perf_counter() - start
        if regression:
            proba, pred = None, out["predict"].to_numpy()
        else:
            proba = out.drop(columns=["predict"])
            pred = out["predict"].astype(str).to_numpy()
        return {
            **scores(
                test[target].astype(str) if not regression else test[target],
                proba,
                pred,
                regression,
            ),
            "fit_s": fit_s,
            "predict_s": predict_s,
            "text_s": text_s,
            "text_fits": fits,
            "best_model": str(automl.leader.model_id).split("_AutoML")[0],
            "n_models": int(automl.leaderboard.nrows),
        }
    finally:
        h2o.cluster().shutdown()


def run_one(dataset: str, config: str, fold: int, args) -> dict[str, Any]:
    """One outer fold of one configuration (called in a subprocess)."""
    frame, target, text, regression = load(dataset, args.max_rows, args.seed)
    train_rows, test_rows = folds(frame, target, regression, args.cv, args.seed)[fold]
    train, test = frame.iloc[train_rows], frame.iloc[test_rows]
    row = {"dataset": dataset, "config": config, "fold": fold, "rows": len(frame)}
    if config.startswith("h2o"):
        row |= run_h2o(config, train, test, target, text, regression, args)
    else:
        row |= run_autogluon(config, train, test, target, regression, args)
    row["test_rows"] = len(test)
    row["metric"] = "r2" if regression else "accuracy"
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


# ---------------------------------------------------------------------------- report
def budget_table(rows: list[dict], time_limit: float) -> str:
    """Per fit under the plugin's budget: a model or not, the plugin's share, fallbacks."""
    lines = [
        "| data set | configuration | fold | models | text s (share of the limit) | budget s "
        "| fallbacks |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["dataset"], r["config"], r["fold"])):
        if "score" not in r:
            lines.append(f"| {r['dataset']} | {r['config']} | {r['fold']} | **failed** | | | "
                         f"{r.get('error', '')} |")  # fmt: skip
            continue
        budget = r.get("budget_s")
        lines.append(
            f"| {r['dataset']} | {r['config']} | {r['fold']} | {r['n_models']} | "
            f"{r['text_s']:.0f} ({r['text_s'] / time_limit:.0%}) | "
            f"{'-' if budget is None else f'{budget:.0f}'} | "
            f"{'; '.join(r.get('fallbacks') or []) or '-'} |"
        )
    return "\n".join(lines)


def summarise(rows: list[dict]) -> list[dict]:
    """One line per (data set, configuration): means and fold SDs."""
    out = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        for config in CONFIGS:
            mine = [r for r in rows if r["dataset"] == dataset and r["config"] == config]
            done = sorted((r for r in mine if "score" in r), key=lambda r: r["fold"])
            if not done:
                if mine:
                    why = mine[0].get("skipped") or mine[0].get("error", "failed")
                    out.append({"dataset": dataset, "config": config, "skipped": why})
                continue
            fits = {}
            for r in done:
                for k, v in r["text_fits"].items():
                    fits[k] = max(fits.get(k, 0), v)
            out.append(
                {
                    "dataset": dataset,
                    "config": config,
                    "metric": done[0]["metric"],
                    "folds": [r["fold"] for r in done],
                    "per_fold": [r["score"] for r in done],
                    "mean": float(np.mean([r["score"] for r in done])),
                    "sd": float(np.std([r["score"] for r in done])),
                    "second": float(np.mean([r["second"] for r in done])),
                    "fit_s": float(np.mean([r["fit_s"] for r in done])),
                    "predict_s": float(np.mean([r["predict_s"] for r in done])),
                    "text_s": float(np.mean([r["text_s"] for r in done])),
                    "text_fits": fits,
                    "test_rows": float(np.mean([r["test_rows"] for r in done])),
                    "failed_folds": len(mine) - len(done),
                }
            )
    return out


def _fmt(metric: str, value: float, signed: bool = False) -> str:
    scale, digits = (100, 1) if metric == "accuracy" else (1, 3)
    return f"{scale * value:{'+' if signed else ''}.{digits}f}"


def table(summary: list[dict]) -> str:
    lines = [
        "| dataset | configuration | accuracy % / R² (mean ± fold SD) | log-loss / RMSE | "
        "fit s | predict s (rows/s) | text features s | text encoder fits per fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        if "skipped" in s:
            lines.append(f"| {s['dataset']} | {s['config']} | {s['skipped']} | | | | | |")
            continue
        fits = ", ".join(f"{k} {v}" for k, v in sorted(s["text_fits"].items())) or "-"
        failed = f" ({s['failed_folds']} fold(s) failed)" if s["failed_folds"] else ""
        lines.append(
            f"| {s['dataset']} | {s['config']} | {_fmt(s['metric'], s['mean'])} ± "
            f"{_fmt(s['metric'], s['sd'])}{failed} | {s['second']:.3f} | {s['fit_s']:.0f} | "
            f"{s['predict_s']:.2f} ({s['test_rows'] / s['predict_s']:,.0f}) | "
            f"{s['text_s']:.0f} | {fits} |"
        )
    return "\n".join(lines)


def margins(summary: list[dict]) -> str:
    """Paired per-fold margins: every configuration over its system alone, and each
    textcnn configuration over the cheap plugin (``<system>+tfidf``) where it ran."""
    lines = [
        "| dataset | configuration | over | margin (paired, mean ± SD) | folds won | "
        "fold SD | beats it by more than the fold SD |",
        "|---|---|---|---|---|---|---|",
    ]
    ok = {(s["dataset"], s["config"]): s for s in summary if "mean" in s}
    for (dataset, config), s in ok.items():
        system = config.split("+")[0]
        peers = [system] + ([f"{system}+tfidf"] if "+textcnn" in config else [])
        for base_name in peers:
            base = ok.get((dataset, base_name))
            if config == base_name or base is None:
                continue
            common = sorted(set(s["folds"]) & set(base["folds"]))
            gain = np.array([s["per_fold"][s["folds"].index(f)] for f in common]) - np.array(
                [base["per_fold"][base["folds"].index(f)] for f in common]
            )
            sd = max(s["sd"], base["sd"])  # the larger of the two configurations' fold SDs
            metric = s["metric"]
            lines.append(
                f"| {dataset} | {config} | {base_name} | {_fmt(metric, gain.mean(), True)} ± "
                f"{_fmt(metric, gain.std())} | {int((gain > 0).sum())}/{len(gain)} | "
                f"{_fmt(metric, sd)} | {'yes' if gain.mean() > sd else 'no'} |"
            )
    return "\n".join(lines)


def chart(summary: list[dict], rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [s for s in summary if "mean" in s]
    names = list(dict.fromkeys(s["dataset"] for s in ok))
    if not names:
        return
    fig, axes = plt.subplots(2, len(names), figsize=(5.5 * len(names), 6.4), squeeze=False)
    colors = {"autogluon": "#1f77b4", "h2o": "#ff7f0e"}
    for j, name in enumerate(names):
        mine = [s for s in ok if s["dataset"] == name]
        ax = axes[0, j]
        labels = [s["config"] for s in mine]
        ax.barh(
            labels,
            [s["mean"] for s in mine],
            xerr=[s["sd"] for s in mine],
            color=[  # the system alone lighter
                matplotlib.colors.to_rgba(
                    colors[s["config"].split("+")[0]], 1.0 if "+" in s["config"] else 0.45
                )
                for s in mine
            ],
        )
        low = min(s["mean"] - 3 * s["sd"] for s in mine)
        high = max(s["mean"] + 3 * s["sd"] for s in mine)
        ax.set_xlim(max(0.0, low - 0.01), min(1.0, high + 0.01))
        ax.invert_yaxis()
        metric = "accuracy" if mine[0]["metric"] == "accuracy" else "R²"
        ax.set_xlabel(f"{metric} (outer folds: mean ± SD)")
        ax.set_title(name)
        ax = axes[1, j]
        by = {s["config"]: s for s in mine}
        k, ticks = 0, []
        for config, s in by.items():
            base = by.get(config.split("+")[0])
            if base is None or base is s:
                continue
            common = sorted(set(s["folds"]) & set(base["folds"]))
            gain = [
                s["per_fold"][s["folds"].index(f)] - base["per_fold"][base["folds"].index(f)]
                for f in common
            ]
            ax.scatter(gain, [k] * len(gain), color=colors[config.split("+")[0]], s=18)
            ax.plot([np.mean(gain)] * 2, [k - 0.3, k + 0.3], color="black")  # the mean
            ticks.append(config)
            k += 1
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(range(len(ticks)), ticks)
        ax.invert_yaxis()
        ax.set_xlabel(f"{metric}: per-fold margin over the system alone")
    fig.suptitle("AutoML with and without textcnn (same folds, same time limit)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


# ---------------------------------------------------------------------------- driver
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--systems", default="autogluon,h2o", help="autogluon, h2o or both")
    parser.add_argument("--configs", default=None, help=f"only these, of {','.join(CONFIGS)}")
    parser.add_argument("--cv", type=int, default=5, help="outer folds")
    parser.add_argument("--folds", default=None, help="run only these folds, e.g. 0,1")
    parser.add_argument("--time-limit", type=float, default=150.0, help="seconds per fit")
    parser.add_argument("--preset", default="medium_quality", help="AutoGluon preset")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="subsample each data set")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK} unless given; writes automl_quick.*",
    )
    parser.add_argument(
        "--budget",
        action="store_true",
        help="give the plugin the time limit (TextCNNFeatureGenerator(time_limit=...)): its "
        "encoders then spend at most time_share of it, with the documented fallbacks",
    )
    parser.add_argument("--out", default=None, help="default benchmarks/results/automl")
    parser.add_argument("--report-only", action="store_true", help="redo the report from jsonl")
    parser.add_argument(
        "--one", nargs=3, metavar=("DATASET", "CONFIG", "FOLD"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.quick:
        given = set(a.split("=")[0] for a in sys.argv[1:])
        for key, value in QUICK.items():
            if f"--{key.replace('_', '-')}" not in given:
                setattr(args, key, value)
    if args.one:
        dataset, config, fold = args.one
        print(json.dumps(run_one(dataset, config, int(fold), args)))
        return
    out = Path(args.out or RESULTS / ("automl_quick" if args.quick else "automl"))
    jsonl = out.with_suffix(".jsonl")
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()] if jsonl.exists() else []
    systems = args.systems.split(",")
    configs = [c for c in CONFIGS if c.split("+")[0] in systems]
    if args.configs:
        configs = [c for c in configs if c in args.configs.split(",")]
    fold_ids = [int(f) for f in args.folds.split(",")] if args.folds else range(args.cv)
    if not args.report_only:
        done = {(r["dataset"], r["config"], r["fold"]) for r in rows if "error" not in r}
        for dataset in args.datasets.split(","):
            for fold in fold_ids:
                for config in configs:
                    if (dataset, config, fold) in done:
                        continue
                    cmd = [sys.executable, __file__, "--one", dataset, config, str(fold)]
                    for name in ("cv", "time_limit", "preset", "seed", "max_rows"):
                        value = getattr(args, name)
                        if value is not None:
                            cmd += [f"--{name.replace('_', '-')}", str(value)]
                    if args.budget:
                        cmd.append("--budget")
                    start = time.perf_counter()
                    proc = subprocess.run(cmd, capture_output=True, text=True)
                    lines = proc.stdout.strip().splitlines()
                    if proc.returncode == 0 and lines:
                        row = json.loads(lines[-1])
                    else:
                        err = proc.stderr.strip().splitlines() or ["failed"]
                        row = {
                            "dataset": dataset,
                            "config": config,
                            "fold": fold,
                            "error": err[-1][:160],
                        }
                    row["wall_s"] = time.perf_counter() - start
                    key = (dataset, config, fold)  # a retried fit replaces its failure
                    rows = [r for r in rows if (r["dataset"], r["config"], r["fold"]) != key]
                    rows.append(row)
                    with open(jsonl, "a") as fh:  # one line per finished fit: resumable
                        fh.write(json.dumps(row) + "\n")
                    shown = (
                        f"{row['metric']} {row['score']:.4f}  fit {row['fit_s']:.0f} s  "
                        f"text {row['text_s']:.0f} s  fits {row['text_fits']}"
                        if "score" in row
                        else row.get("skipped") or row.get("error")
                    )
                    print(f"{dataset:8s} fold {fold}  {config:24s} {shown}", flush=True)
    summary = summarise(rows)
    header = (
        f"AutoML benchmark, {date.today()}, {platform.machine()} {os.cpu_count()} cores; "
        f"{args.cv} outer folds, time limit {args.time_limit:.0f} s per fit, AutoGluon "
        f"preset {args.preset} (dynamic_stacking=False), seed {args.seed}"
        + (f", {args.max_rows} rows per data set" if args.max_rows else "")
        + "\n\n"
    )
    md = (
        f"{table(summary)}\n\nPaired per-fold margins over the system alone and over the cheap "
        "plugin (TfidfLinearEncoder alone):\n\n"
        f"{margins(summary)}\n"
    )
    if args.budget:
        md += f"\n{budget_table(rows, args.time_limit)}\n"
    print("\n" + md)
    write_text_atomic(out.with_suffix(".md"), header + md)
    write_text_atomic(
        out.with_suffix(".json"), json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n"
    )
    chart(summary, rows, out.with_suffix(".png"))


if __name__ == "__main__":
    main()
