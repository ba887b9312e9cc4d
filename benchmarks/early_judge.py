"""The early judge: what one epoch tells of whether the networks will beat their n-gram models.

After the first epoch, the fold networks of a column are scored as the out-of-fold guard scores
them after training: their blend against the n-gram models alone, on the folds' held-out rows
(AUC, or R²; ``textcnn._neural_column.NeuralColumn.early_judge``). This script records, per
data set, that first-epoch verdict beside what the guard decided after the whole training --
the judge only records here (it never stops a run), so every fit is today's default fit --
and the time the networks trained. From it: for each rule (the blend's ranking error over the
heads' by more than a share ``r`` stops the networks), which sets would stop after one epoch,
whether the guard kept those networks (a win lost) or set them aside anyway (time saved).

The sets: the text-only benchmark sets (MR, CR, MPQA, SST-2, SST-1, SMS, BBC News) and the
text columns of the downstream tables (airline tweets, wine reviews: their inner folds as the
examples use them). Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/early_judge.py
    TEXTCNN_DATA=../shared/data python benchmarks/early_judge.py --active --sets bbc,wine,cr

``--active`` then fits the sets without the judge and with the shipped rule
(``JUDGE_SHARE``), side by side in one process: epochs, fit time, whether the out-of-fold
output is the same. Writes ``benchmarks/results/early_judge.{md,json}`` (``_active`` for
``--active``).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _results import publish
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from vectors import TEXT_ONLY, downstream_data

from textcnn import TextCNNEncoder, _neural_column

RESULTS = Path(__file__).parent / "results"
RULES = (0.0, 0.1, 0.25, 0.5, 1.0)


def data(name: str):
    """Texts, target, folds (as the benchmarks use them) and whether it is a regression."""
    if name in TEXT_ONLY:
        frame = TEXT_ONLY[name]()
        y = frame["label"].to_numpy()
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        return frame["text"].fillna("").tolist(), y, cv, False
    _, texts, y, groups, regression = downstream_data(name)
    if regression:
        from sklearn.model_selection import KFold

        inner = KFold(5, shuffle=True, random_state=1)
    else:
        inner = StratifiedGroupKFold(5, shuffle=True, random_state=1)
    return texts, y, list(inner.split(texts, y, groups)), regression


def fit_default(name: str) -> tuple[TextCNNEncoder, np.ndarray, float]:
    """The default encoder fitted on the set: the encoder, its out-of-fold output, seconds."""
    texts, y, cv, regression = data(name)
    start = time.perf_counter()
    enc = TextCNNEncoder(random_state=0, cv=cv, target_type="continuous" if regression else "auto")
    oof = enc.fit_transform(texts, y)
    return enc, oof, time.perf_counter() - start


def record(name: str) -> dict:
    """One default fit of the set; the judge's first-epoch scores, recorded, not acted on."""
    real = _neural_column.NeuralColumn.early_judge

    def recording(self, jobs, heads, verdict, folds):
        judge = real(self, jobs, heads, verdict, folds)
        if judge is None:
            return None

        def only_record(outputs_of):
            judge(outputs_of)  # logs its scores (read by _Scores)
            verdict.clear()
            return False  # record only: the fit goes on as by default

        return only_record

    handler = _Scores()
    logger = logging.getLogger("textcnn")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    _neural_column.NeuralColumn.early_judge = recording
    try:
        enc, oof, seconds = fit_default(name)
    finally:
        _neural_column.NeuralColumn.early_judge = real
        logger.removeHandler(handler)
    epochs = [float(e) for e in next(iter(enc.epochs_trained_.values()))]
    return {
        "dataset": name, "rows": len(oof), "fit_s": seconds, "epochs": epochs,
        "planned": enc.plan_.epochs, "blend_1": handler.first[0], "heads_1": handler.first[1],
        "guard_kept": not enc.plan_.aside, "blend_end": handler.guard[0],
        "heads_end": handler.guard[1],
    }  # fmt: skip


class _Scores(logging.Handler):
    """Reads the judge's and the guard's scores from their log lines."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.first = (np.nan, np.nan)
        self.guard = (np.nan, np.nan)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        numbers = [float(w.strip("(),")) for w in message.split() if _number(w.strip("(),"))]
        if "after epoch 1" in message and len(numbers) >= 2:  # either verdict
            self.first = (numbers[0], numbers[1])
        elif "did not beat their n-gram models out of fold (" in message and len(numbers) >= 2:
            self.guard = (numbers[0], numbers[1])


def _number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return "." in word


def stops(row: dict, share: float) -> bool:
    """Whether the rule with ``share`` stops the networks after one epoch."""
    error_blend, error_heads = 1 - row["blend_1"], 1 - row["heads_1"]
    return bool(error_blend >= (1 + share) * error_heads)


def active(name: str) -> dict:
    """The set fitted without the judge and with it (the shipped rule), in one process."""
    out: dict = {"dataset": name}
    for label, on in (("off", False), ("on", True)):
        _neural_column.EARLY_JUDGE = on
        enc, out[f"oof_{label}"], out[f"fit_s_{label}"] = fit_default(name)
        out[f"aside_{label}"] = bool(enc.plan_.aside)
        out[f"epochs_{label}"] = float(np.mean(next(iter(enc.epochs_trained_.values()))))
    _neural_column.EARLY_JUDGE = True
    out["same_oof"] = bool(np.array_equal(out.pop("oof_off"), out.pop("oof_on")))
    return out


def run_sets(fit, sets: str) -> list[dict]:
    """``fit(name)`` for each named set, each row printed as it comes."""
    rows = []
    for name in sets.split(","):
        rows.append(fit(name))
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join([*TEXT_ONLY, "airline", "wine"]))
    parser.add_argument(
        "--active", action="store_true",
        help="fit each set without and with the judge (the shipped JUDGE_SHARE), side by side",
    )  # fmt: skip
    parser.add_argument("--from-json", help="table an earlier run's recorded rows")
    parser.add_argument("--out", default=str(RESULTS / "early_judge"))
    args = parser.parse_args()
    if args.active:
        rows = run_sets(active, args.sets)
        lines = [
            f"The early judge on, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"{platform.machine()} {os.cpu_count()} cores: default TextCNNEncoder, without "
            f"the judge and with it (JUDGE_SHARE={_neural_column.JUDGE_SHARE}), same process\n",
            "| data set | epochs without | with | stepped aside without | with | fit s without "
            "| with | ratio | same out-of-fold output |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['dataset']} | {r['epochs_off']:.1f} | {r['epochs_on']:.1f} | "
                f"{r['aside_off']} | {r['aside_on']} | {r['fit_s_off']:.1f} | "
                f"{r['fit_s_on']:.1f} | "
                f"{r['fit_s_on'] / r['fit_s_off']:.2f} | {r['same_oof']} |"
            )
        publish(Path(args.out + "_active"), "\n".join(lines) + "\n", rows)
        return
    if args.from_json:
        import json

        rows = json.loads(Path(args.from_json).read_text())
    else:
        rows = run_sets(record, args.sets)
    lines = [
        f"The early judge, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
        f"{os.cpu_count()} cores: default TextCNNEncoder (random_state=0), 5 folds; after epoch 1 "
        "the blend's and the heads' out-of-fold score (AUC, or R²) on the folds' held-out rows, "
        "recorded only; then what the guard decided after training\n",
        "| data set | rows | epochs trained (planned) | blend after 1 | heads | error ratio | "
        "guard after training | fit s | " + " | ".join(f"stops at r={r}" for r in RULES) + " |",
        "|---|---|---|---|---|---|---|---|" + "---|" * len(RULES),
    ]
    for r in rows:
        kept = (
            "kept" if r["guard_kept"] else f"aside ({r['blend_end']:.4f} vs {r['heads_end']:.4f})"
        )
        cells = []
        for share in RULES:
            if not stops(r, share):
                cells.append("-")
            else:
                cells.append("stop: win lost" if r["guard_kept"] else "stop: saves time")
        lines.append(
            f"| {r['dataset']} | {r['rows']:,} | {np.mean(r['epochs']):.1f} ({r['planned']}) | "
            f"{r['blend_1']:.4f} | {r['heads_1']:.4f} | "
            f"{(1 - r['blend_1']) / (1 - r['heads_1']):.3f} | {kept} | {r['fit_s']:.0f} | "
            + " | ".join(cells)
            + " |"
        )
    publish(Path(args.out), "\n".join(lines) + "\n", rows)


if __name__ == "__main__":
    main()
