"""The budget planner, measured: cheaper plans, their scores, and fits under ``max_time``.

Two parts, on MR, airline tweets and wine reviews (text only, 5-fold out-of-fold scores on
the same folds as ``TfidfLinearEncoder``'s, measured in the same run):

1. **plans** (``--part plans``): the default CNN and cheaper plans -- one epoch, fewer
   folds, a row sample per epoch, shorter training texts -- each forced on the encoder,
   with its OOF score, fit seconds and the planner's predicted seconds (from one probe);
   this is what the degrade order and the floors of ``textcnn._plan`` rest on.
2. **budgets** (``--part budgets``): ``TextCNNEncoder(max_time=...)`` at shares of the
   default fit's own time (100 %, 50 %, 25 %, 12 %, 6 %): the plan the planner chose, the
   fit's seconds against ``max_time``, and the OOF score against ``TfidfLinearEncoder``'s.

Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/budget.py            # both parts, ~20 min
    TEXTCNN_DATA=../shared/data python benchmarks/budget.py --part plans --datasets mr

Writes ``benchmarks/results/budget.{md,json}`` (atomically) and prints the tables. One
heavy job at a time: the planner reads the machine's load (threads) and times steps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _results import publish

RESULTS = Path(__file__).parent / "results"
SETS = {
    # name: (loader, kwargs, text column, target column, regression)
    "mr": ("load_mr", {}, "text", "label", False),
    "airline": ("load_airline_tweets", {}, "text", "airline_sentiment", False),
    "wine": ("load_wine_reviews", {}, "description", "points", True),
}
#: (name, folds, epochs (None: the default's), sample, training max_length, encoder params)
PLANS = [
    ("defaults", 5, None, 1.0, None, {}),
    ("50% rows", 5, None, 0.5, None, {}),
    ("3 folds", 3, None, 1.0, None, {}),
    ("50 filters", 5, None, 1.0, None, {"n_filters": 50}),
    ("25 filters", 5, None, 1.0, None, {"n_filters": 25}),
    ("50 filters, 3 folds", 3, None, 1.0, None, {"n_filters": 50}),
    ("25 filters, 1 epoch", 5, 1, 1.0, None, {"n_filters": 25}),
    ("25 filters, 1 epoch, 50% rows", 5, 1, 0.5, None, {"n_filters": 25}),
    ("1 epoch", 5, 1, 1.0, None, {}),
    ("1 epoch, 50% rows", 5, 1, 0.5, None, {}),
    ("1 epoch, 25% rows", 5, 1, 0.25, None, {}),
    ("3 folds, 1 epoch", 3, 1, 1.0, None, {}),
    ("3 folds, 1 epoch, 50% rows", 3, 1, 0.5, None, {}),
    ("2 folds, 1 epoch", 2, 1, 1.0, None, {}),
    ("2 folds, 1 epoch, 50% rows", 2, 1, 0.5, None, {}),
    ("2 folds, 1 epoch, 25% rows", 2, 1, 0.25, None, {}),
    ("2 folds, 1 epoch, 25% rows, 32 tokens", 2, 1, 0.25, 32, {}),
]
SHARES = (1.0, 0.5, 0.25, 0.12, 0.06)


def load(name: str):
    import textcnn.datasets as ds

    loader, kwargs, text, target, regression = SETS[name]
    frame = getattr(ds, loader)(**kwargs)
    y = frame[target].to_numpy()
    return frame[[text]], (y.astype(float) if regression else y), regression


def score(encoder, out: np.ndarray, y: np.ndarray, regression: bool) -> float:
    if regression:
        return float(1 - np.mean((out[:, 0] - y) ** 2) / np.var(y))
    if out.shape[1] == 1:
        return float(np.mean((out[:, 0] > 0.5) == (y == encoder.classes_[1])))
    return float(np.mean(encoder.classes_[out.argmax(1)] == y))


def timed(encoder, X, y, regression):
    start = time.perf_counter()
    out = encoder.fit_transform(X, y)
    return time.perf_counter() - start, score(encoder, out, y, regression)


def cnn(regression: bool, **kw):
    from textcnn import TextCNNEncoder

    kind = "continuous" if regression else "auto"
    return TextCNNEncoder(random_state=0, target_type=kind, **kw)


def forced(plan):
    """A context in which every fit trains ``plan`` (and records the probe's prediction)."""
    from textcnn import _neural_encoder

    original = _neural_encoder._NeuralEncoder._plan
    seen = {}

    def _plan(self, learners, target, folds, setup):
        base = original(self, learners, target, folds, setup)
        chosen = replace(
            base,
            folds=plan[0],
            epochs=base.epochs if plan[1] is None else plan[1],
            sample=plan[2],
            max_length=plan[3],
        )
        rows = folds[0][0] if folds else np.arange(len(target.values))
        costs = [learner.probe(rows, base) for learner in learners]
        from textcnn._plan import predict_seconds

        held = self.validation_fraction if self.early_stopping else 0.0
        seen["predicted_s"] = predict_seconds(chosen, costs, len(target.values), held, False)
        seen["probe_s"] = time.perf_counter()
        return chosen

    class Context:
        def __enter__(self):
            _neural_encoder._NeuralEncoder._plan = _plan
            return seen

        def __exit__(self, *exc):
            _neural_encoder._NeuralEncoder._plan = original

    return Context()


def part_plans(name: str, only: list[str] | None) -> list[dict]:
    from textcnn import TfidfLinearEncoder

    X, y, regression = load(name)
    kind = "continuous" if regression else "auto"
    rows = []
    seconds, value = timed(TfidfLinearEncoder(random_state=0, target_type=kind), X, y, regression)
    rows.append({"dataset": name, "plan": "TfidfLinearEncoder", "score": value, "fit_s": seconds})
    print(f"{name:8s} {'TfidfLinearEncoder':40s} {value:.4f} {seconds:6.1f} s", flush=True)
    for plan in PLANS:
        if only and plan[0] not in only and plan[0] != "defaults":
            continue
        with forced(plan[1:5]) as seen:
            started = time.perf_counter()
            encoder = cnn(regression, step_aside=False, **plan[5])  # the plan's own score
            out = encoder.fit_transform(X, y)
            fit_s = time.perf_counter() - started
        value = score(encoder, out, y, regression)
        # the probe ran inside the fit: its seconds are part of fit_s (not of a real fit
        # without max_time); the training part is what the prediction is for
        row = {
            "dataset": name,
            "plan": plan[0],
            "score": value,
            "fit_s": fit_s,
            "predicted_train_s": seen["predicted_s"],
            "epochs": encoder.plan_.epochs,
            "folds": encoder.plan_.folds,
        }
        rows.append(row)
        print(
            f"{name:8s} {plan[0]:40s} {value:.4f} {fit_s:6.1f} s  "
            f"(predicted training {seen['predicted_s']:.1f} s)",
            flush=True,
        )
    return rows


def part_budgets(name: str) -> list[dict]:
    from textcnn import TfidfLinearEncoder

    X, y, regression = load(name)
    kind = "continuous" if regression else "auto"
    tf_s, tf_score = timed(TfidfLinearEncoder(random_state=0, target_type=kind), X, y, regression)
    full_s, full_score = timed(cnn(regression), X, y, regression)
    rows = [
        {"dataset": name, "max_time": None, "share": None, "fit_s": full_s, "score": full_score,
         "tfidf_score": tf_score, "tfidf_s": tf_s, "plan": "defaults, no max_time"},
    ]  # fmt: skip
    print(f"{name:8s} TF-IDF {tf_score:.4f} {tf_s:.1f} s; defaults {full_score:.4f} {full_s:.1f} s")
    for share in SHARES:
        budget = share * full_s
        encoder = cnn(regression, max_time=budget)
        seconds, value = timed(encoder, X, y, regression)
        plan = encoder.plan_
        rows.append(
            {
                "dataset": name,
                "max_time": budget,
                "share": share,
                "fit_s": seconds,
                "score": value,
                "tfidf_score": tf_score,
                "tfidf_s": tf_s,
                "plan": plan.describe(),
                "cuts": list(plan.cuts),
                "stepped_aside": not plan.train,
                "epochs_trained": encoder.epochs_trained_,
                "plan_fields": asdict(plan),
            }
        )
        print(
            f"{name:8s} {share:4.0%} max_time {budget:5.1f} s: fit {seconds:5.1f} s "
            f"score {value:.4f} | {plan.describe()}",
            flush=True,
        )
    return rows


def _fmt(value: float, regression: bool) -> str:
    return f"{value:.3f}" if regression else f"{100 * value:.1f}"


def report(plans: list[dict], budgets: list[dict], header: str) -> str:
    md = [header, ""]
    if plans:
        md += [
            "**Cheaper plans** (each forced; accuracy % or R², 5-fold OOF on the same folds):",
            "",
            "| data set | plan | score | vs TF-IDF | fit s | x TF-IDF's | predicted training s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in dict.fromkeys(r["dataset"] for r in plans):
            mine = [r for r in plans if r["dataset"] == name]
            tf = mine[0]
            regression = SETS[name][4]
            for r in mine:
                diff = r["score"] - tf["score"]
                versus = "" if r is tf else ("+" if diff >= 0 else "") + _fmt(diff, regression)
                predicted = "" if r is tf else f"{r['predicted_train_s']:.1f}"
                md.append(
                    f"| {name} | {r['plan']} | {_fmt(r['score'], regression)} | {versus} | "
                    f"{r['fit_s']:.1f} | {r['fit_s'] / tf['fit_s']:.1f}x | {predicted} |"
                )
        md.append("")
    if budgets:
        md += [
            "**Under `max_time`** (shares of the default fit's own seconds):",
            "",
            "| data set | max_time s (share) | fit s | score | vs TF-IDF | the plan |",
            "|---|---|---|---|---|---|",
        ]
        for r in budgets:
            regression = SETS[r["dataset"]][4]
            diff = r["score"] - r["tfidf_score"]
            limit = "none" if r["max_time"] is None else f"{r['max_time']:.1f} ({r['share']:.0%})"
            md.append(
                f"| {r['dataset']} | {limit} | {r['fit_s']:.1f} | "
                f"{_fmt(r['score'], regression)} | {('+' if diff >= 0 else '')}"
                f"{_fmt(diff, regression)} | {r['plan']} |"
            )
        md.append("")
    return "\n".join(md)


def _order(plan: str) -> int:
    names = ["TfidfLinearEncoder"] + [p[0] for p in PLANS]
    return names.index(plan) if plan in names else len(names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(SETS))
    parser.add_argument("--part", choices=("plans", "budgets", "both"), default="both")
    parser.add_argument("--out", default=str(RESULTS / "budget"))
    parser.add_argument("--plans", default=None, help="only these plans (names, ';'-separated)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(torch.get_num_threads())  # torch imported before any timing
    plans, budgets = [], []
    for name in args.datasets.split(","):
        if args.part in ("plans", "both"):
            plans += part_plans(name, args.plans.split(";") if args.plans else None)
        if args.part in ("budgets", "both"):
            budgets += part_budgets(name)
    out = Path(args.out)
    if out.with_suffix(".json").exists():  # keep the rows this run did not redo
        kept = json.loads(out.with_suffix(".json").read_text())
        redone = {(r["dataset"], r["plan"]) for r in plans}
        plans = [
            r for r in kept.get("plans", []) if (r["dataset"], r["plan"]) not in redone
        ] + plans
        plans.sort(key=lambda r: (list(SETS).index(r["dataset"]), _order(r["plan"])))
        budgets = budgets or kept.get("budgets", [])
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"budget.py, {stamp}, {platform.machine()} {os.cpu_count()} cores, torch "
        f"{torch.__version__}; `python benchmarks/budget.py {' '.join(sys.argv[1:])}`"
    )
    md = report(plans, budgets, header)
    publish(out, md, {"header": header, "plans": plans, "budgets": budgets})


if __name__ == "__main__":
    main()
