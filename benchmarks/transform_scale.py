"""Streamed ``textcnn transform`` of a 1,000,000-row CSV: throughput and peak RSS.

The big file repeats MR's sentences (with a row id) until it has ``--rows`` rows. A
model is fitted once on MR with the CLI, then ``textcnn transform`` runs in a child
process that reports its own peak RSS (``getrusage``). Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/transform_scale.py [--rows 1000000]

Writes ``benchmarks/results/transform_scale.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from textcnn.datasets import load_mr
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


_CHILD = (
    "import json, resource, sys; from textcnn.cli import main; code = main(sys.argv[1:]); "
    "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)); sys.exit(code)"
)


def cli(*args: str) -> tuple[float, float]:
    """Run the textcnn CLI in a child process; return its wall time and peak RSS (MB)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    return seconds, json.loads(proc.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunksize", type=int, default=50_000)
    parser.add_argument("--out", default=str(RESULTS / "transform_scale"))
    args = parser.parse_args()
    mr = load_mr()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train = tmp / "mr.csv"
        mr.to_csv(train, index=False)
        model = tmp / "mr.textcnn"
        fit_s, _ = cli(
            "fit-transform",
            str(train),
            "--text",
            "text",
            "--target",
            "label",
            "--model-out",
            str(model),
            "--out",
            str(tmp / "oof.csv"),
            "-q",
        )
        big = tmp / "big.csv"
        reps = -(-args.rows // len(mr))
        with open(big, "w", encoding="utf-8") as fh:
            fh.write("id,text\n")
            written = 0
            for _ in range(reps):
                part = mr["text"].iloc[: args.rows - written]
                quoted = part.str.replace('"', '""')
                fh.writelines(f'{written + i},"{t}"\n' for i, t in enumerate(quoted))
                written += len(part)
        size_mb = big.stat().st_size / 1e6
        transform_s, peak_mb = cli(
            "transform",
            str(big),
            "--model",
            str(model),
            "--out",
            str(tmp / "feats.csv"),
            "--id",
            "id",
            "--chunksize",
            str(args.chunksize),
            "-q",
        )
        out_rows = sum(1 for _ in open(tmp / "feats.csv", encoding="utf-8")) - 1
    row = {
        "date": str(date.today()),
        "rows": written,
        "input_mb": round(size_mb, 1),
        "chunksize": args.chunksize,
        "fit_transform_mr_s": round(fit_s, 1),
        "transform_s": round(transform_s, 1),
        "rows_per_s": round(written / transform_s),
        "peak_rss_mb": round(peak_mb),
        "output_rows": out_rows,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
    }
    md = (
        "| rows | input MB | chunksize | transform s | rows/s | peak RSS MB |\n"
        "|---|---|---|---|---|---|\n"
        f"| {written:,} | {size_mb:.0f} | {args.chunksize:,} | {transform_s:.0f} | "
        f"{row['rows_per_s']:,} | {row['peak_rss_mb']:,} |"
    )
    print(md)
    write_text_atomic(Path(args.out + ".md"), md + "\n")
    write_text_atomic(Path(args.out + ".json"), json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
