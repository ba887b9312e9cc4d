"""One process vs a Dask LocalCluster on this machine: 5-fold fit and batch transform on MR.

Both are measured in one run, side by side:

- ``fit``: ``TextCNNEncoder().fit_transform`` (5 folds, defaults) in this process, then
  under ``joblib.parallel_config(backend="dask")`` with a LocalCluster (the folds become
  tasks on the workers); the outputs are compared;
- ``transform``: the fitted encoder on ``--rows`` rows (MR repeated) in this process, then
  partition-wise with :func:`textcnn.dask.transform` (``--partitions`` partitions);
- ``ray`` (if installed): the same fit under joblib's Ray backend.

Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/cluster.py [--workers 2]

Writes ``benchmarks/results/cluster.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

import dask.dataframe as dd
import joblib
import numpy as np
import pandas as pd
import torch
from distributed import Client
from speed import timed  # the benchmarks' one timer (benchmarks/ is on sys.path)

from textcnn import TextCNNEncoder
from textcnn.dask import local_cluster, transform
from textcnn.datasets import load_mr
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    mr = load_mr()
    X, y = mr[["text"]], mr["label"]
    big = pd.DataFrame({"text": np.resize(mr["text"].to_numpy(), args.rows)})
    row: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), **vars(args)}

    local = TextCNNEncoder(random_state=0)
    row["fit_local_s"], oof_local = timed(lambda: local.fit_transform(X, y))
    row["transform_local_s"], feats_local = timed(lambda: local.transform(big))

    # the same fit on one thread, the workers' setting: floating-point sums in the same order
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    one_thread = TextCNNEncoder(random_state=0)
    row["fit_local_1thread_s"], oof_1thread = timed(lambda: one_thread.fit_transform(X, y))
    torch.set_num_threads(threads)

    with local_cluster(args.workers, silence_logs=40) as cluster, Client(cluster):
        remote = TextCNNEncoder(random_state=0)
        with joblib.parallel_config(backend="dask"):
            row["fit_dask_s"], oof_dask = timed(lambda: remote.fit_transform(X, y))
        ddf = dd.from_pandas(big, npartitions=args.partitions)
        row["transform_dask_s"], feats_dask = timed(lambda: transform(ddf, local).compute())
    row["fit_max_abs_diff"] = float(np.abs(oof_dask - oof_local).max())
    row["fit_max_abs_diff_1thread"] = float(np.abs(oof_dask - oof_1thread).max())
    row["transform_max_abs_diff"] = float(np.abs(feats_dask.to_numpy() - feats_local).max())
    row["fit_oof_acc_local"] = float(np.mean((oof_local[:, 0] > 0.5) == (y == "pos")))
    row["fit_oof_acc_dask"] = float(np.mean((oof_dask[:, 0] > 0.5) == (y == "pos")))

    try:
        from ray.util.joblib import register_ray

        register_ray()
        ray_enc = TextCNNEncoder(random_state=0)
        with joblib.parallel_config(backend="ray"):
            row["fit_ray_s"], oof_ray = timed(lambda: ray_enc.fit_transform(X, y))
        row["fit_ray_max_abs_diff"] = float(np.abs(oof_ray - oof_local).max())
    except ImportError:
        row["fit_ray_s"] = None

    table = render(row)
    print(table)
    write_text_atomic(RESULTS / "cluster.md", table)
    write_text_atomic(RESULTS / "cluster.json", json.dumps(row, indent=1))


def render(r: dict) -> str:
    """Markdown table of one run."""
    w = r["workers"]
    lines = [
        f"Run {r['date']} UTC; LocalCluster of {w} worker processes x 1 thread on loopback.",
        "",
        "| job | one process | Dask LocalCluster | speed-up | max abs difference |",
        "|---|---|---|---|---|",
        f"| MR 5-fold `fit_transform` (defaults) | {r['fit_local_s']:.1f} s | "
        f"{r['fit_dask_s']:.1f} s | {r['fit_local_s'] / r['fit_dask_s']:.2f}x | "
        f"{r['fit_max_abs_diff']:.2g} (OOF accuracy {100 * r['fit_oof_acc_local']:.1f} vs "
        f"{100 * r['fit_oof_acc_dask']:.1f}) |",
        f"| same fit, one process with 1 torch thread (the workers' setting) | "
        f"{r['fit_local_1thread_s']:.1f} s | {r['fit_dask_s']:.1f} s | "
        f"{r['fit_local_1thread_s'] / r['fit_dask_s']:.2f}x | "
        f"{r['fit_max_abs_diff_1thread']:.2g} |",
        f"| `transform` {r['rows']:,} rows ({r['partitions']} partitions) | "
        f"{r['transform_local_s']:.1f} s | {r['transform_dask_s']:.1f} s | "
        f"{r['transform_local_s'] / r['transform_dask_s']:.2f}x | "
        f"{r['transform_max_abs_diff']:.2g} |",
    ]
    if r.get("fit_ray_s"):
        lines.append(
            f"| same fit, joblib Ray backend | {r['fit_local_s']:.1f} s | {r['fit_ray_s']:.1f} s "
            f"(Ray) | {r['fit_local_s'] / r['fit_ray_s']:.2f}x | {r['fit_ray_max_abs_diff']:.2g} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
