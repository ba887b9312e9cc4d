"""How much could a better blend weight earn? The oracle bound and a cross-validated choice.

Issue 23's lead: choose ``linear_blend`` per fold on held-out rows instead of the fixed 0.5.
Before building it, this measures what any weight rule could gain. The encoder's output is
``(1 - w) * network + w * linear``, the network never sees its linear head, and
``TfidfLinearEncoder()`` is that head (same vectorizer, same C / alpha, same folds for the
same ``cv`` and ``random_state``). So the out-of-fold output for *every* weight is exactly
the mix of two out-of-fold matrices: ``TextCNNEncoder(linear_blend=0)``'s and
``TfidfLinearEncoder()``'s. The script checks that identity against
``TextCNNEncoder(linear_blend=0.5)`` on the first data set, then reports per data set:

- the score at weights 0 (plain network), 0.5 (the default) and 1 (the linear model alone);
- the **oracle**: the best weight on a 0.05 grid, chosen on the scored rows themselves (an
  upper bound for any weight rule, and optimistic);
- a **cross-validated choice**: for each fold, the weight that scores best on the *other*
  folds' out-of-fold rows, applied to this fold (leak-free; what a learned weight gets).

Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/blend_weight.py --datasets cr,mr --cv 10

Writes ``benchmarks/results/blend_weight.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn.datasets import load_text_classification
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"
GRID = np.round(np.arange(0.0, 1.0001, 0.05), 2)


def accuracy(proba: np.ndarray, y: np.ndarray, classes: np.ndarray) -> float:
    """Accuracy of probabilities (one column for two classes: P(classes[1]))."""
    if proba.shape[1] == 1:
        pred = classes[(proba[:, 0] > 0.5).astype(int)]
    else:
        pred = classes[proba.argmax(1)]
    return float((pred == y).mean())


def run(dataset: str, cv: int, seed: int, check: bool) -> dict:
    """The two out-of-fold matrices of one data set and the scores of their mixes."""
    frame, text, target = load_text_classification(dataset)
    X, y = frame[[text]], frame[target].astype(str).to_numpy()
    splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)  # the same folds for all
    folds = list(splitter.split(X, y))
    start = time.perf_counter()
    net = TextCNNEncoder(linear_blend=0.0, cv=splitter, random_state=seed)
    plain = net.fit_transform(X, y)
    net_s = time.perf_counter() - start
    start = time.perf_counter()
    lin = TfidfLinearEncoder(cv=splitter, random_state=seed)
    linear = lin.fit_transform(X, y)
    lin_s = time.perf_counter() - start
    classes = net.classes_
    row: dict = {"dataset": dataset, "rows": len(y), "cv": cv, "net_s": net_s, "lin_s": lin_s}
    if check:  # the identity: linear_blend=0.5 is the mix at 0.5
        blended = TextCNNEncoder(linear_blend=0.5, cv=splitter, random_state=seed, step_aside=False)
        blended = blended.fit_transform(X, y)
        row["identity_max_abs_diff"] = float(np.abs(blended - (0.5 * plain + 0.5 * linear)).max())
    scores = {float(w): accuracy((1 - w) * plain + w * linear, y, classes) for w in GRID}
    row["scores"] = scores
    best = max(scores, key=scores.get)
    row["oracle_w"], row["oracle"] = best, scores[best]
    # cross-validated weight: chosen on the other folds' OOF rows, applied to this fold
    chosen, correct = [], 0
    for _, test in folds:
        rest = np.setdiff1d(np.arange(len(y)), test)
        per_w = {
            float(w): accuracy((1 - w) * plain[rest] + w * linear[rest], y[rest], classes)
            for w in GRID
        }
        w = max(per_w, key=per_w.get)
        chosen.append(w)
        mix = (1 - w) * plain[test] + w * linear[test]
        correct += accuracy(mix, y[test], classes) * len(test)
    row["cv_weights"], row["cv_choice"] = chosen, correct / len(y)
    return row


def table(rows: list[dict]) -> str:
    lines = [
        "| data set | rows | folds | w = 0 (plain network) | w = 0.5 (default) | w = 1 (linear) "
        "| oracle w (score) | cross-validated w (score) | network s | linear s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s = r["scores"]
        ws = ", ".join(f"{w:.2f}" for w in r["cv_weights"])
        lines.append(
            f"| {r['dataset']} | {r['rows']:,} | {r['cv']} | {100 * s[0.0]:.1f} | "
            f"{100 * s[0.5]:.1f} | {100 * s[1.0]:.1f} | {r['oracle_w']:.2f} "
            f"({100 * r['oracle']:.1f}) | {ws} ({100 * r['cv_choice']:.1f}) | "
            f"{r['net_s']:.0f} | {r['lin_s']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="cr,mr")
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "blend_weight"))
    parser.add_argument(
        "--no-check", action="store_true", help="skip the identity check (one more CNN fit)"
    )
    args = parser.parse_args()
    rows = []
    for i, dataset in enumerate(args.datasets.split(",")):
        rows.append(run(dataset, args.cv, args.seed, check=i == 0 and not args.no_check))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    check = rows[0].get("identity_max_abs_diff")
    header = (
        f"Blend weight probe, {date.today()}, {platform.machine()} 2 cores, {args.cv}-fold, "
        f"seed {args.seed}"
        + (
            f"; identity check on {rows[0]['dataset']}: max |OOF(blend 0.5) - mix| = {check:.2e}"
            if check is not None
            else ""
        )
        + "\n\n"
    )
    md = header + table(rows) + "\n"
    print("\n" + md)
    out = Path(args.out)
    write_text_atomic(out.with_suffix(".md"), md)
    write_text_atomic(out.with_suffix(".json"), json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
