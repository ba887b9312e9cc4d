"""Transform in token space against the windowed product, the TF-IDF peer and the matmul peak.

One run: the fp32 matmul peak of this machine (``speed.matmul_peak``), then per data set a
default ``TextCNNEncoder`` fitted (1 epoch, 5 folds) on part of the rows and a default
``TfidfLinearEncoder`` fitted on the same rows; ``transform`` of the other rows with the
windowed product (``cnn.TOKEN_SPACE = False``), in token space with each batch projecting
its own tokens (projections capped to 0 bytes), in token space with the call's tokens
projected once (what ``transform`` does), and with the TF-IDF peer, each timed twice
(median). Every path shares the same tokenising and blend branch. Conv-equivalent
FLOP/s counts the useful multiply-adds of the windowed convolution
(``2 * C * F * sum_k (L + k - 1) * k`` per row and fold network) over the transform's
seconds. Prints a table; writes ``benchmarks/results/token_space.{md,json}``.

    TEXTCNN_DATA=../shared/data python benchmarks/token_space.py
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
from speed import matmul_peak

from textcnn import TextCNNEncoder, TfidfLinearEncoder
from textcnn._torch import cnn
from textcnn.datasets import load_bbc_news, load_mr
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


def timed(fn, repeats: int = 2) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def conv_flops(enc: TextCNNEncoder, texts: list[str]) -> float:
    """Useful multiply-adds (x2) of the windowed convolution over ``texts``, all folds."""
    lengths = np.array([min(len(d), enc.max_length) for d in enc._tokenize(texts)])
    net = enc.models_[0][0].module
    channels = net.weight.shape[1] // max(net.kernel_sizes)
    per_width = net.n_features // len(net.kernel_sizes)
    per_row = sum(2 * channels * per_width * k * (lengths + k - 1) for k in net.kernel_sizes)
    return float(per_row.sum()) * len(enc.models_[0])


def main() -> None:
    peak = matmul_peak()
    print(f"fp32 matmul peak: {peak:.1f} GFLOP/s", flush=True)
    sets = {
        "MR": (load_mr(), "label", 3000),
        "BBC News": (load_bbc_news(), "category", 800),
    }
    rows = {}
    for name, (frame, target, n_fit) in sets.items():
        frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
        fit, test = frame.iloc[:n_fit], frame.iloc[n_fit:][["text"]]
        enc = TextCNNEncoder(random_state=0, max_epochs=1).fit(fit[["text"]], fit[target])
        tfidf = TfidfLinearEncoder(random_state=0).fit(fit[["text"]], fit[target])
        enc.transform(test.iloc[:50])  # warm-up
        cap = cnn.PROJECTION_BYTES
        cnn.PROJECTION_BYTES = 0  # nothing fits: each batch projects its own tokens
        batch_s, _ = timed(lambda: enc.transform(test))  # noqa: B023
        cnn.TOKEN_SPACE = False  # the windowed product
        windowed_s, windowed = timed(lambda: enc.transform(test))  # noqa: B023
        cnn.PROJECTION_BYTES, cnn.TOKEN_SPACE = cap, True
        token_s, token = timed(lambda: enc.transform(test))  # noqa: B023
        tfidf_s, _ = timed(lambda: tfidf.transform(test))  # noqa: B023
        flops = conv_flops(enc, test["text"].tolist())
        row = {
            "rows": len(test),
            "windowed_rows_per_s": len(test) / windowed_s,
            "per_batch_rows_per_s": len(test) / batch_s,
            "token_rows_per_s": len(test) / token_s,
            "tfidf_rows_per_s": len(test) / tfidf_s,
            "ratio": windowed_s / token_s,
            "token_vs_tfidf_time": token_s / tfidf_s,
            "windowed_peak_share": flops / windowed_s / 1e9 / peak,
            "per_batch_peak_share": flops / batch_s / 1e9 / peak,
            "token_peak_share": flops / token_s / 1e9 / peak,
            "max_abs_diff": float(np.abs(np.asarray(token) - np.asarray(windowed)).max()),
        }
        rows[name] = row
        print(name, json.dumps(row), flush=True)
    head = (
        f"Token-space transform, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; fp32 matmul peak "
        f"{peak:.1f} GFLOP/s; default encoders, 5 folds, fitted 1 epoch; median of 2\n\n"
        "| data set | rows | windowed rows/s (x peak) | token space per batch (x peak) "
        "| token space, projected once per call (shipped) | ratio to windowed "
        "| TfidfLinearEncoder rows/s | shipped time / TF-IDF's | max abs diff |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {n} | {r['rows']:,} "
        f"| {r['windowed_rows_per_s']:,.0f} ({r['windowed_peak_share']:.2f}x) "
        f"| {r['per_batch_rows_per_s']:,.0f} ({r['per_batch_peak_share']:.2f}x) "
        f"| {r['token_rows_per_s']:,.0f} ({r['token_peak_share']:.2f}x) | {r['ratio']:.2f}x "
        f"| {r['tfidf_rows_per_s']:,.0f} | {r['token_vs_tfidf_time']:.1f}x "
        f"| {r['max_abs_diff']:.1e} |"
        for n, r in rows.items()
    ]
    md = head + "\n".join(lines) + "\n"
    print("\n" + md)
    write_text_atomic(RESULTS / "token_space.md", md)
    write_text_atomic(
        RESULTS / "token_space.json", json.dumps({"peak": peak, "rows": rows}, indent=1)
    )


if __name__ == "__main__":
    main()
