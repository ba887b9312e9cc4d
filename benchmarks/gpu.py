"""GPU check: MR through the fold group on CUDA, against a CPU fit; speed, memory, bf16 vs fp32.

One command, under 5 minutes on one GPU. It fits the 5-fold ``TextCNNEncoder`` on MR
(vectors that need no download and no gensim: random by default, or ``--embeddings PATH``
for a carried word2vec text file) three times with the same seed -- on CUDA with bf16
autocast (the default there), on CUDA in fp32, and on the CPU -- and reports, per run:
training sentences/s (sentences x epochs run, over the fit's seconds), transform rows/s
(5 fold networks averaged), peak GPU memory, OOF accuracy, and the largest and mean
difference of the OOF probabilities from the CPU fit. Pass criteria (stated, checked):
each GPU run's OOF accuracy within 1.5 points of the CPU fit's, and mean |dp| < 0.05
(training on another device sums in another order, and bf16 rounds, so the networks
drift apart a little; the contract -- out-of-fold, leak-free -- is the same).

Without CUDA it prints one line and exits 0. ``--device cpu --max-rows 400`` runs the same
code on the CPU (a dry run of the script itself). Usage on the device machine (MR carried
into the tree as ``data/mr``, which ``.gitignore`` must name)::

    TEXTCNN_DATA=data python benchmarks/gpu.py --out $OUT/gpu

Writes ``<out>.json`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from textcnn import TextCNNEncoder
from textcnn._torch import device as torch_device
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"


@contextmanager
def fp32_on_cuda():
    """Turn the bf16 autocast off for one run (the library turns it on where CUDA has bf16)."""
    real = torch_device.amp_dtype
    torch_device.amp_dtype = lambda device: None
    try:
        yield
    finally:
        torch_device.amp_dtype = real


def load_mr(max_rows: int | None):
    from textcnn.datasets import load_mr

    frame = load_mr()
    if max_rows and max_rows < len(frame):
        frame = frame.sample(n=max_rows, random_state=0).reset_index(drop=True)
    return frame[["text"]], frame["label"].to_numpy()


def one_run(name: str, device: str, X, y, args) -> dict:
    params = dict(
        embeddings=args.embeddings,
        embedding_mode="rand" if args.embeddings is None else "non-static",
        cv=5,
        random_state=0,
        device=device,
        max_length=args.max_length,
    )
    enc = TextCNNEncoder(**params)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    oof = enc.fit_transform(X, y)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    enc.transform(X)
    transform_s = time.perf_counter() - start
    epochs = sum(sum(v) for v in enc.epochs_trained_.values())
    row = {
        "run": name,
        "device": device,
        "fit_s": fit_s,
        "train_sentences_per_s": len(y) * 0.8 * epochs / fit_s,
        "transform_rows_per_s": len(y) / transform_s,
        "epochs": enc.epochs_trained_["text"],
        "oof": oof[:, 0].tolist(),
        "oof_accuracy": float(np.mean((oof[:, 0] > 0.5) == (y == enc.classes_[1]))),
    }
    if device.startswith("cuda"):
        row["peak_gpu_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print(
        f"{name:10s} fit {fit_s:6.1f} s  train {row['train_sentences_per_s']:9,.0f} sent/s  "
        f"transform {row['transform_rows_per_s']:9,.0f} rows/s  OOF acc "
        f"{row['oof_accuracy']:.4f}"
        + (f"  peak GPU {row['peak_gpu_mb']:,.0f} MB" if "peak_gpu_mb" in row else ""),
        flush=True,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="where the 'GPU' runs go (cuda)")
    parser.add_argument("--max-rows", type=int, default=None, help="subsample MR")
    parser.add_argument("--max-length", type=int, default=60)
    parser.add_argument("--embeddings", default=None, help="a word2vec text file, or random")
    parser.add_argument("--out", default=str(RESULTS / "gpu"))
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            f"gpu.py: no CUDA device here (torch {torch.__version__}); run it on a machine "
            "with a GPU, or pass --device cpu for a dry run"
        )
        return 0
    X, y = load_mr(args.max_rows)
    runs = []
    if args.device.startswith("cuda"):
        runs.append(
            one_run("gpu-bf16" if torch.cuda.is_bf16_supported() else "gpu", "cuda", X, y, args)
        )
    with fp32_on_cuda():
        name = "gpu-fp32" if args.device.startswith("cuda") else f"{args.device} (dry run)"
        runs.append(one_run(name, args.device, X, y, args))
    cpu = one_run("cpu", "cpu", X, y, args)
    ok = True
    for row in runs:
        diff = np.abs(np.asarray(row.pop("oof")) - np.asarray(cpu["oof"]))
        row["oof_max_abs_diff"], row["oof_mean_abs_diff"] = float(diff.max()), float(diff.mean())
        row["passes"] = bool(
            abs(row["oof_accuracy"] - cpu["oof_accuracy"]) <= 0.015 and diff.mean() < 0.05
        )
        ok &= row["passes"]
        print(
            f"{row['run']:10s} vs cpu: OOF |dp| max {diff.max():.4f}, mean {diff.mean():.4f}; "
            f"accuracy {row['oof_accuracy'] - cpu['oof_accuracy']:+.4f} -> "
            f"{'pass' if row['passes'] else 'FAIL'}",
            flush=True,
        )
    cpu.pop("oof")
    rows = [*runs, cpu]
    name = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    head = (
        f"GPU check, {name}, torch {torch.__version__}, MR ({len(y)} rows), 5 folds, "
        f"max_length {args.max_length}, embeddings {args.embeddings or 'random'}\n\n"
        "| run | fit s | train sentences/s | transform rows/s | peak GPU MB | OOF acc "
        "| OOF max / mean abs diff vs CPU | pass |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r['run']} | {r['fit_s']:.1f} | {r['train_sentences_per_s']:,.0f} | "
        f"{r['transform_rows_per_s']:,.0f} | {r.get('peak_gpu_mb', float('nan')):,.0f} | "
        f"{r['oof_accuracy']:.4f} | "
        + (
            f"{r['oof_max_abs_diff']:.4f} / {r['oof_mean_abs_diff']:.4f} | "
            f"{'yes' if r['passes'] else 'NO'} |"
            if "passes" in r
            else "- | - |"
        )
        for r in rows
    ]
    write_text_atomic(f"{args.out}.md", head + "\n".join(lines) + "\n")
    write_text_atomic(f"{args.out}.json", json.dumps(rows, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
