"""Killed CLI fits resume from their checkpoint: total time and output against an unbroken run.

A table of ``--rows`` rows with three text columns (MR sentences drawn with replacement;
each row's three sentences share its label) goes through ``textcnn fit-transform`` in a
child process:

1. without a checkpoint, uninterrupted: the reference time T and output;
2. with ``--checkpoint``, uninterrupted: what writing the units costs;
3. for each fraction f in ``--kill-at``: with a fresh ``--checkpoint`` directory, killed
   with SIGKILL at f x T, then the same command again (it resumes); reported: the units
   the killed run had finished, the resumed run's seconds, the total (f x T + resumed)
   against T, and the largest absolute difference of the resumed run's out-of-fold
   features from the reference's (outputs are Parquet, so the floats are exact).

The unit of work is a text column's group of fold networks (and its refit network); while
a unit trains, its training state is kept after each epoch (``<unit>.progress``), so a kill
loses at most the epoch in training. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/resume.py --rows 100000     # ~1 h
    TEXTCNN_DATA=../shared/data python benchmarks/resume.py --rows 20000

Writes ``benchmarks/results/resume.{md,json}`` (``--out`` for another name).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from _results import publish

from textcnn._model_file.checkpoint import read_unit

RESULTS = Path(__file__).parent / "results"
COLUMNS = ["first", "second", "third"]


def make_table(rows: int, folder: Path) -> Path:
    """``rows`` rows of three MR sentences sharing the row's label, as CSV."""
    from textcnn.datasets import load_mr

    mr = load_mr()
    rng = np.random.RandomState(0)
    names = sorted(mr["label"].unique())
    labels = rng.randint(len(names), size=rows)
    pools = [mr.index[mr["label"] == name].to_numpy() for name in names]
    table = {"label": np.asarray(names)[labels]}
    for column in COLUMNS:
        pick = np.array([pools[label][rng.randint(len(pools[label]))] for label in labels])
        table[column] = mr.loc[pick, "text"].to_numpy()
    path = folder / f"three_columns_{rows}.csv"
    pd.DataFrame(table).to_csv(path, index=False)
    return path


def run(args: list[str], kill_after: float | None = None) -> tuple[float, int]:
    """Run the CLI in a child process (SIGKILL after ``kill_after`` s); seconds, exit code."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "textcnn.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if kill_after is None:
        child.wait()
    else:
        try:
            child.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
    return time.perf_counter() - started, child.returncode


def features(path: Path) -> np.ndarray:
    frame = pd.read_parquet(path)
    return frame[[c for c in frame.columns if "__textcnn_" in c]].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kill-at", default="0.25,0.5,0.75")
    parser.add_argument("--out", default=str(RESULTS / "resume"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        table = make_table(args.rows, folder)

        def command(name: str, *extra: str) -> list[str]:
            text = [w for c in COLUMNS for w in ("--text", c)]
            return ["fit-transform", str(table), *text, "--target", "label", "-q", "--force",
                    "--model-out", str(folder / f"{name}.textcnn"),
                    "--out", str(folder / f"{name}.parquet"), *extra]  # fmt: skip

        reference_s, code = run(command("reference"))
        assert code == 0, f"the reference run failed ({code})"
        reference = features(folder / "reference.parquet")
        ckpt_s, code = run(command("checkpointed", "--checkpoint", str(folder / "ckpt0")))
        assert code == 0, f"the checkpointed run failed ({code})"
        rows = [
            {"run": "uninterrupted", "seconds": reference_s, "total_s": reference_s},
            {"run": "uninterrupted, --checkpoint", "seconds": ckpt_s, "total_s": ckpt_s,
             "max_abs_diff": float(np.abs(features(folder / "checkpointed.parquet")
                                          - reference).max())},
        ]  # fmt: skip
        for fraction in map(float, args.kill_at.split(",")):
            ckpt = folder / f"ckpt{fraction}"
            name = f"resumed{fraction}"
            killed_s, code = run(command(name, "--checkpoint", str(ckpt)), fraction * reference_s)
            finished = sorted(p.stem for p in ckpt.glob("*.unit"))
            finished += [
                f"{p.stem} (epoch {read_unit(p)[0]['epoch']} of {read_unit(p)[0]['n_epochs']})"
                for p in sorted(ckpt.glob("*.progress"))
            ]
            resumed_s, code2 = run(command(name, "--checkpoint", str(ckpt)))
            assert code2 == 0, f"the resumed run failed ({code2})"
            diff = float(np.abs(features(folder / f"{name}.parquet") - reference).max())
            rows.append(
                {"run": f"killed at {fraction:.0%} of T, resumed", "killed_at_s": killed_s,
                 "killed_exit": code, "finished_units": finished, "seconds": resumed_s,
                 "total_s": killed_s + resumed_s, "max_abs_diff": diff}
            )  # fmt: skip
            print(rows[-1], flush=True)
    lines = [
        f"Resume after SIGKILL, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {os.cpu_count()} cores: `textcnn fit-transform` on {args.rows:,} "
        f"rows x 3 text columns (defaults, --seed 0); T = {reference_s:.1f} s uninterrupted\n",
        "| run | units finished (epochs done) when killed | resumed run s | total s | total / T | "
        "largest output difference |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        units = ", ".join(r.get("finished_units", [])) or ("-" if "killed" in r["run"] else "")
        diff = f"{r['max_abs_diff']:.1e}" if "max_abs_diff" in r else ""
        lines.append(
            f"| {r['run']} | {units} | {r['seconds']:.1f} | {r['total_s']:.1f} | "
            f"{r['total_s'] / reference_s:.2f} | {diff} |"
        )
    publish(Path(args.out), "\n".join(lines) + "\n", rows)


if __name__ == "__main__":
    main()
