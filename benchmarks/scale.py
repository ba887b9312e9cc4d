"""Fit time against rows through the CLI: defaults, under the planner, and the n-gram peer.

Tables of 10,000, 100,000 and 1,000,000 rows are drawn (with replacement) from MR's
sentences and labels, and ``textcnn fit-transform`` runs on each in a child process that
reports its wall seconds and peak RSS: with the defaults, and with ``--max-time`` set to a
quarter of the defaults' seconds on that table (the budget planner's plan, its predicted
seconds and the fit's measured ones). ``TfidfLinearEncoder`` runs on the same rows in the
same way. Repeated sentences land in train and test folds alike, so the scores here would
flatter: only time and memory are reported. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/scale.py                 # ~1 h
    TEXTCNN_DATA=../shared/data python benchmarks/scale.py --rows 10000,100000

Writes ``benchmarks/results/scale.{md,json}`` (atomically) and prints the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _results import publish

RESULTS = Path(__file__).parent / "results"
CHILD = """
import resource, sys, time
started = time.perf_counter()
kind, args = sys.argv[1], sys.argv[2:]
if kind == "cli":
    from textcnn.cli import main
    code = main(args)
else:  # the n-gram peer, on the same file
    import pandas as pd
    from textcnn import TfidfLinearEncoder
    frame = pd.read_csv(args[0])
    TfidfLinearEncoder(random_state=0).fit_transform(frame[["text"]], frame["label"])
    code = 0
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"RESULT {code} {seconds:.3f} {rss:.0f}")
"""


def make_table(rows: int, folder: Path) -> Path:
    from textcnn.datasets import load_mr

    mr = load_mr()
    pick = np.random.RandomState(0).randint(len(mr), size=rows)
    path = folder / f"mr_{rows}.csv"
    mr.iloc[pick][["text", "label"]].to_csv(path, index=False)
    return path


def child(kind: str, args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, *map(str, args)], capture_output=True, text=True
    )
    found = re.search(r"RESULT (\d+) ([\d.]+) (\d+)", proc.stdout)
    if proc.returncode or not found or found.group(1) != "0":
        raise RuntimeError(f"{kind} failed: {proc.stderr[-2000:]}")
    plan = re.search(r"max_time [\d.]+ s: .*?: (.*) \(probe ([\d.]+) s\)", proc.stderr)
    predicted = re.search(r"predicted (\d+) s of (\d+) s", proc.stderr)
    return {
        "seconds": float(found.group(2)),
        "peak_rss_mb": float(found.group(3)),
        "plan": plan.group(1) if plan else None,
        "predicted_train_s": float(predicted.group(1)) if predicted else None,
        "budget_s": float(predicted.group(2)) if predicted else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000")
    parser.add_argument("--share", type=float, default=0.25, help="max_time / defaults' time")
    parser.add_argument("--out", default=str(RESULTS / "scale"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rows in (int(r) for r in args.rows.split(",")):
            table = make_table(rows, folder)
            common = ["fit-transform", table, "--text", "text", "--target", "label", "--force"]
            common += ["--model-out", folder / "m.textcnn", "--out", folder / "o.parquet"]
            tfidf = child("tfidf", [table])
            defaults = child("cli", common)
            budget = args.share * defaults["seconds"]
            planned = child("cli", [*common, "--max-time", f"{budget:.1f}", "-v"])
            row = {"rows": rows, "tfidf": tfidf, "defaults": defaults, "planned": planned,
                   "max_time": budget}  # fmt: skip
            results.append(row)
            print(
                f"{rows:>9,} rows: TF-IDF {tfidf['seconds']:.0f} s; defaults "
                f"{defaults['seconds']:.0f} s ({defaults['peak_rss_mb']:.0f} MB); max_time "
                f"{budget:.0f} s: {planned['seconds']:.0f} s | {planned['plan']}",
                flush=True,
            )
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"scale.py, {stamp}, {platform.machine()} {os.cpu_count()} cores; MR sentences drawn "
        "with replacement; `textcnn fit-transform` in a child process per run",
        "",
        "| rows | TfidfLinearEncoder s (MB) | defaults s | s per 10k rows | peak RSS MB | "
        "x TF-IDF | `--max-time` s | fit s | predicted training s | the plan |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        d, p, t = r["defaults"], r["planned"], r["tfidf"]
        lines.append(
            f"| {r['rows']:,} | {t['seconds']:.1f} ({t['peak_rss_mb']:.0f}) | "
            f"{d['seconds']:.1f} | {1e4 * d['seconds'] / r['rows']:.2f} | "
            f"{d['peak_rss_mb']:.0f} | {d['seconds'] / t['seconds']:.1f}x | {r['max_time']:.0f} | "
            f"{p['seconds']:.1f} | {p['predicted_train_s'] or '-'} | {p['plan']} |"
        )
    md = "\n".join(lines) + "\n"
    publish(args.out, md, results)


if __name__ == "__main__":
    started = time.time()
    main()
