"""Streamed ``textcnn transform`` of a 1,000,000-row CSV: throughput and peak RSS.

The big file repeats MR's sentences (with a row id) until it has ``--rows`` rows. A
model is fitted once on MR with the CLI, then ``textcnn transform`` runs in a child
process that reports its own peak RSS (``getrusage``). The cheap peer runs the same way
in the same run: ``TfidfLinearEncoder`` fitted on MR, then the big file read in the same
chunks, transformed and written as CSV (:func:`peer`). Usage::

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


_PEER = (
    "import json, resource, sys; sys.path.insert(0, sys.argv[1]); "
    "from transform_scale import peer; peer(*sys.argv[2:]); "
    "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"
)


def peer(train: str, big: str, out: str, chunksize: str) -> None:
    """TfidfLinearEncoder fitted on ``train``, then ``big`` transformed chunk by chunk."""
    import pandas as pd

    from textcnn import TfidfLinearEncoder

    frame = pd.read_csv(train)
    enc = TfidfLinearEncoder(random_state=0).fit(frame[["text"]], frame["label"])
    with open(out, "w", encoding="utf-8") as fh:
        for i, chunk in enumerate(pd.read_csv(big, chunksize=int(chunksize))):
            feats = pd.DataFrame(enc.transform(chunk[["text"]]), index=chunk["id"])
            feats.to_csv(fh, header=i == 0)


def run_peer(*args: str) -> tuple[float, float]:
    """:func:`peer` in a child process; its wall time and peak RSS (MB)."""
    start = time.perf_counter()
    here = str(Path(__file__).parent)
    proc = subprocess.run(
        [sys.executable, "-c", _PEER, here, *args], check=True, capture_output=True, text=True
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
        peer_s, peer_mb = run_peer(str(train), str(big), str(tmp / "peer.csv"), str(args.chunksize))
    row = {
        "date": str(date.today()),
        "rows": written,
        "input_mb": round(size_mb, 1),
        "chunksize": args.chunksize,
        "fit_transform_mr_s": round(fit_s, 1),
        "transform_s": round(transform_s, 1),
        "rows_per_s": round(written / transform_s),
        "peak_rss_mb": round(peak_mb),
        "tfidf_transform_s": round(peer_s, 1),
        "tfidf_rows_per_s": round(written / peer_s),
        "tfidf_peak_rss_mb": round(peer_mb),
        "output_rows": out_rows,
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
    }
    md = (
        f"{row['date']}, {row['machine']}; {written:,} rows ({size_mb:.0f} MB), "
        f"chunks of {args.chunksize:,}\n\n"
        "| model | transform s | rows/s | peak RSS MB |\n"
        "|---|---|---|---|\n"
        f"| textcnn CLI, default CNN (5 fold models) | {transform_s:.0f} | "
        f"{row['rows_per_s']:,} | {row['peak_rss_mb']:,} |\n"
        f"| TfidfLinearEncoder, same chunks | {peer_s:.0f} | {row['tfidf_rows_per_s']:,} | "
        f"{row['tfidf_peak_rss_mb']:,} |"
    )
    print(md)
    write_text_atomic(Path(args.out + ".md"), md + "\n")
    write_text_atomic(Path(args.out + ".json"), json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
