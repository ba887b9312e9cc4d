"""Speed of the CNN encoder: beside its cheap peer, the matmul peak and a naive loop.

Everything is measured in **one run** on MR, so the ratios compare like with like.

The **package defaults** (always; MiniLM word-pieces 128-d non-static, filters 3-4-5 x 100,
batch 50, linear blend 0.5, early stopping), 5-fold ``fit_transform`` on the same folds and
``transform`` of MR's sentences with the 5 fold models averaged:

- ``peak``: fp32 ``torch.mm`` of 2048x2048 matrices, all threads (the reference);
- ``tfidf``: ``TfidfLinearEncoder()``, the cheap peer;
- ``token space``: ``TextCNNEncoder()`` as shipped (training and prediction in token space);
- ``windowed``: the same with ``cnn.TOKEN_SPACE = False`` (the windowed product: the path
  before issue 22);
- ``naive``: a textbook Kim CNN loop written here with the defaults' vectors -- every
  sentence padded to the longest, a plain ``DataLoader``, one ``conv1d`` per width, default
  Adam, default threads -- seconds per epoch over all rows.

Useful FLOPs are conv-equivalent: the windowed convolution's multiply-adds over real
(unpadded) tokens, whatever the path computes: a width-``k`` filter bank costs ``2 k C F``
per token forward and three times that for a training step. A fit's training FLOPs count
each fold network's epochs over its training rows (the fold's 4/5 less the 10% validation
slice).

``--fixed`` adds the fixed workload of the earlier speed work (GloVe-6B-50d non-static,
no blend): training throughput from the difference of a 1- and a 3-epoch fit, fold-batched
and fold-by-fold, transform rows/s, fit time at 10k-100k rows; ``--accuracy`` adds MR
10-fold there. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/speed.py [--fixed [--accuracy]]

Prints a table, writes ``benchmarks/results/speed.md`` and appends a dated row to
``benchmarks/results/speed.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from textcnn import TextCNNEncoder, TfidfLinearEncoder, _crossfit, _embeddings, _text
from textcnn._torch import cnn
from textcnn.datasets import load_mr
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"
KERNELS = (3, 4, 5)
FILTERS = 100


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    """Median fp32 GFLOP/s of an ``n x n`` matrix product, all threads."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / float(np.median(times)) / 1e9


def flops_per_token(channels: int, training: bool) -> float:
    """Useful FLOPs of the convolutions per real token."""
    forward = 2 * channels * FILTERS * sum(KERNELS)
    return 3 * forward if training else forward


class NaiveKimCNN(nn.Module):
    """The textbook loop's model: embedding, one conv1d per width, max over the padded row."""

    def __init__(self, matrix: np.ndarray, n_outputs: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(torch.from_numpy(matrix), freeze=False)
        dim = matrix.shape[1]
        self.convs = nn.ModuleList(nn.Conv1d(dim, FILTERS, k, padding=k - 1) for k in KERNELS)
        self.dropout = nn.Dropout(0.5)
        self.output = nn.Linear(FILTERS * len(KERNELS), n_outputs)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # noqa: D102
        x = self.embedding(ids).transpose(1, 2)
        pooled = [torch.relu(conv(x)).amax(dim=2) for conv in self.convs]
        return self.output(self.dropout(torch.cat(pooled, dim=1)))


def naive_loop(
    texts: list[str], y: np.ndarray, epochs: int, vectors: str = "glove-6b-50d", dim: int = 50
) -> tuple[float, int]:
    """Train the textbook way; return seconds per epoch and real tokens per epoch."""
    minilm = vectors == "minilm-l6"
    docs = _embeddings.wordpiece_tokenize(texts) if minilm else _text.tokenize_all(texts)
    docs = [d[:400] for d in docs]
    itos = _text.build_vocabulary(docs)
    vectors, _ = _embeddings.resolve_vectors(vectors, docs, dim, 0)
    matrix, _ = _embeddings.build_matrix(itos, vectors, docs, np.random.RandomState(0))
    ids, lengths = _text.encode(docs, itos, None)  # padded to the longest sentence
    data = TensorDataset(torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(y))
    loader = DataLoader(data, batch_size=50, shuffle=True)
    torch.manual_seed(0)
    model = NaiveKimCNN(matrix, int(y.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), int(lengths.sum())


#: The fixed workload of the speed work: GloVe-6B-50d non-static, Kim's filters, no blend.
FIXED = dict(embeddings="glove-6b-50d", embedding_dim=50, linear_blend=0, device="cpu")


@contextmanager
def fold_by_fold():
    """Train each fold as its own group (the path before fold-batching), for comparison."""
    real = _crossfit.fold_chunks
    _crossfit.fold_chunks = lambda n_folds, n_jobs: [[i] for i in range(n_folds)]
    try:
        yield
    finally:
        _crossfit.fold_chunks = real


def encoder_epoch_seconds(texts: list[str], y: np.ndarray, refit: bool) -> float:
    """Seconds per training epoch (difference of 3- and 1-epoch fits; set-up cancels out).

    ``refit=True``: one network on all rows; else the 5 fold networks.
    """
    seconds = {}
    for epochs in (1, 3):
        enc = TextCNNEncoder(
            refit=refit, early_stopping=False, max_epochs=epochs, random_state=0, **FIXED
        )
        start = time.perf_counter()
        enc.fit(texts, y)
        seconds[epochs] = time.perf_counter() - start
    return (seconds[3] - seconds[1]) / 2


def perturbed(texts: list[str], n_rows: int, seed: int) -> list[str]:
    """``n_rows`` MR sentences, each with one word dropped at random."""
    rng = np.random.RandomState(seed)
    out = []
    for i in range(n_rows):
        words = texts[i % len(texts)].split()
        if len(words) > 1:
            del words[rng.randint(len(words))]
        out.append(" ".join(words))
    return out


def timed(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    """Wall seconds of ``fn(*args)`` and its result."""
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def fit_defaults(texts: list[str], y: np.ndarray, token_space: bool) -> dict:
    """5-fold ``fit_transform`` and ``transform`` of the defaults, in token space or not."""
    cap = cnn.PROJECTION_BYTES
    cnn.TOKEN_SPACE = token_space
    cnn.PROJECTION_BYTES = cap if token_space else 0
    try:
        enc = TextCNNEncoder(random_state=0)
        fit_s, oof = timed(enc.fit_transform, texts, y)
        enc.transform(texts[:100])  # warm-up
        transform_s, _ = timed(enc.transform, texts)
    finally:
        cnn.TOKEN_SPACE, cnn.PROJECTION_BYTES = True, cap
    nets = enc.models_[0]
    return {
        "fit_s": fit_s,
        "acc": float(np.mean((oof[:, 0] > 0.5) == y)),
        "epochs": [float(n.epochs_trained) for n in nets],
        "best_epochs": [int(n.best_epoch) for n in nets],
        "transform_rows_per_s": len(texts) / transform_s,
    }


def defaults_section(texts: list[str], y: np.ndarray) -> dict:
    """The package defaults beside TfidfLinearEncoder and the naive loop (see the docstring)."""
    n = len(texts)
    tokens = int(sum(min(len(d), 400) for d in _embeddings.wordpiece_tokenize(texts)))
    train_share = 0.8 * 0.9  # a fold network's training rows: 4/5, less the validation slice
    out: dict = {"tokens": tokens}
    tfidf = TfidfLinearEncoder(random_state=0)
    out["tfidf_fit_s"], oof = timed(tfidf.fit_transform, texts, y)
    out["tfidf_acc"] = float(np.mean((oof[:, -1] > 0.5) == y))  # P(pos)
    seconds, _ = timed(tfidf.transform, texts)
    out["tfidf_transform_rows_per_s"] = n / seconds
    for name, token_space in (("token", True), ("windowed", False)):
        run = fit_defaults(texts, y, token_space)
        train_flops = sum(run["epochs"]) * train_share * tokens * flops_per_token(128, True)
        run["train_gflops"] = train_flops / run["fit_s"] / 1e9
        run["train_sent_per_s"] = sum(run["epochs"]) * train_share * n / run["fit_s"]
        transform_flops = 5 * tokens * flops_per_token(128, False)
        run["transform_gflops"] = transform_flops / n * run["transform_rows_per_s"] / 1e9
        out[name] = run
        print(f"{name}: {run}", flush=True)
    naive_s, naive_tokens = naive_loop(texts, y, epochs=2, vectors="minilm-l6", dim=128)
    out["naive_sent_per_s"] = n / naive_s
    out["naive_gflops"] = naive_tokens * flops_per_token(128, True) / naive_s / 1e9
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixed", action="store_true", help="also the fixed GloVe workload")
    parser.add_argument("--accuracy", action="store_true", help="with --fixed: MR 10-fold")
    parser.add_argument("--scaling", default="10000,30000,100000")
    parser.add_argument("--out", default=str(RESULTS / "speed"))
    args = parser.parse_args()
    mr = load_mr()
    texts, y = mr["text"].tolist(), (mr["label"] == "pos").to_numpy().astype(np.int64)
    row: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} "
        f"threads, torch {torch.__version__}",
    }
    row["peak_gflops"] = matmul_peak()
    row["defaults"] = defaults_section(texts, y)
    sizes = [int(s) for s in args.scaling.split(",")]
    if args.fixed:
        fixed_section(row, texts, y, sizes, args.accuracy)
    table = render_defaults(row) + ("\n" + render(row, sizes) if args.fixed else "")
    print(table)
    out = Path(args.out)
    write_text_atomic(out.with_suffix(".md"), table)
    with open(out.with_suffix(".jsonl"), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def fixed_section(
    row: dict, texts: list[str], y: np.ndarray, sizes: list[int], accuracy: bool
) -> None:
    """The fixed GloVe-6B-50d workload of the earlier speed work (``--fixed``)."""
    docs = _text.tokenize_all(texts)
    tokens = int(sum(min(len(d), 400) for d in docs))
    n = len(texts)
    naive_s, naive_tokens = naive_loop(texts, y, epochs=2)
    row["naive_sent_per_s"] = n / naive_s
    row["naive_gflops"] = naive_tokens * flops_per_token(50, True) / naive_s / 1e9

    epoch_s = encoder_epoch_seconds(texts, y, refit=True)
    row["train_sent_per_s"] = n / epoch_s
    row["train_gflops"] = tokens * flops_per_token(50, True) / epoch_s / 1e9
    # 5 folds: each row is a training row of 4 fold networks
    for name, context in (("batched", nullcontext), ("one_by_one", fold_by_fold)):
        with context():
            epoch_s = encoder_epoch_seconds(texts, y, refit=False)
        row[f"folds_{name}_sent_per_s"] = 4 * n / epoch_s
        row[f"folds_{name}_gflops"] = 4 * tokens * flops_per_token(50, True) / epoch_s / 1e9

    oofs = {}
    for name, context in (("batched", nullcontext), ("one_by_one", fold_by_fold)):
        with context():
            enc = TextCNNEncoder(random_state=0, **FIXED)
            row[f"fit_transform_{name}_s"], oofs[name] = timed(enc.fit_transform, texts, y)
        row[f"fit_transform_{name}_acc"] = float(np.mean((oofs[name][:, 0] > 0.5) == y))
    row["fit_transform_max_abs_diff"] = float(np.abs(oofs["batched"] - oofs["one_by_one"]).max())

    enc = TextCNNEncoder(random_state=0, **FIXED).fit(texts, y)
    big = texts * 3
    enc.transform(texts[:100])  # warm-up
    seconds, _ = timed(enc.transform, big)
    row["transform_folds_rows_per_s"] = len(big) / seconds
    row["transform_folds_gflops"] = 3 * tokens * 5 * flops_per_token(50, False) / seconds / 1e9
    refit = TextCNNEncoder(refit=True, random_state=0, **FIXED).fit(texts, y)
    seconds, _ = timed(refit.transform, big)
    row["transform_refit_rows_per_s"] = len(big) / seconds
    row["transform_refit_gflops"] = 3 * tokens * flops_per_token(50, False) / seconds / 1e9

    row["scaling_s"] = {}
    for size in sizes:
        rows = perturbed(texts, size, seed=size)
        labels = np.resize(y, size)
        enc = TextCNNEncoder(
            refit=True, early_stopping=False, max_epochs=2, random_state=0, **FIXED
        )
        row["scaling_s"][str(size)], _ = timed(enc.fit, rows, labels)

    if accuracy:
        for name, context in (("batched", nullcontext), ("one_by_one", fold_by_fold)):
            with context():
                enc = TextCNNEncoder(cv=10, random_state=0, **FIXED)
                row[f"mr10_{name}_s"], oof = timed(enc.fit_transform, texts, y)
            row[f"mr10_{name}_acc"] = float(np.mean((oof[:, 0] > 0.5) == y))


def render_defaults(row: dict) -> str:
    """Markdown table of the defaults section."""
    peak, d = row["peak_gflops"], row["defaults"]
    tok, win = d["token"], d["windowed"]

    def pct(g: float) -> str:
        return f"{g / peak:.2f}x"

    def epochs(run: dict) -> str:
        return f"{sum(run['epochs']):g} ({', '.join(str(e) for e in run['best_epochs'])} best)"

    lines = [
        f"Run {row['date']} UTC on {row['machine']}; fp32 matmul peak {peak:.1f} GFLOP/s. "
        "MR (10,662 sentences), package defaults, 5 folds, random_state=0.",
        "",
        "| measure | TfidfLinearEncoder | TextCNNEncoder, token space (shipped) | "
        "windowed product (before) | naive loop |",
        "|---|---|---|---|---|",
        f"| 5-fold fit_transform, s | {d['tfidf_fit_s']:.1f} | {tok['fit_s']:.1f} | "
        f"{win['fit_s']:.1f} | |",
        f"| ... / TfidfLinearEncoder's | 1x | {tok['fit_s'] / d['tfidf_fit_s']:.1f}x | "
        f"{win['fit_s'] / d['tfidf_fit_s']:.1f}x | |",
        f"| OOF accuracy | {100 * d['tfidf_acc']:.1f} | {100 * tok['acc']:.1f} | "
        f"{100 * win['acc']:.1f} | |",
        f"| epochs run over the 5 folds | | {epochs(tok)} | {epochs(win)} | |",
        f"| training sentences/s (conv-equivalent GFLOP/s, x peak) | | "
        f"{tok['train_sent_per_s']:,.0f} ({tok['train_gflops']:.0f}, {pct(tok['train_gflops'])}) | "
        f"{win['train_sent_per_s']:,.0f} ({win['train_gflops']:.0f}, {pct(win['train_gflops'])}) | "
        f"{d['naive_sent_per_s']:,.0f} ({d['naive_gflops']:.0f}, {pct(d['naive_gflops'])}) |",
        f"| transform rows/s, 5 fold models (x peak) | {d['tfidf_transform_rows_per_s']:,.0f} | "
        f"{tok['transform_rows_per_s']:,.0f} ({pct(tok['transform_gflops'])}) | "
        f"{win['transform_rows_per_s']:,.0f} ({pct(win['transform_gflops'])}) | |",
    ]
    return "\n".join(lines) + "\n"


def render(row: dict, sizes: list[int]) -> str:
    """Markdown table of the fixed workload (``--fixed``)."""
    peak = row["peak_gflops"]

    def pct(g: float) -> str:
        return f"{g:.1f} GFLOP/s ({100 * g / peak:.0f}% of peak)"

    scale = row["scaling_s"]
    speedup = row["train_sent_per_s"] / row["naive_sent_per_s"]
    folds = row["folds_batched_sent_per_s"] / row["folds_one_by_one_sent_per_s"]
    lines = [
        f"Run {row['date']} UTC on {row['machine']}. Fixed workload: MR, GloVe-6B-50d "
        "non-static, filters 3-4-5 x 100, batch 50, no linear blend.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| fp32 matmul peak (2048², all threads) | {peak:.1f} GFLOP/s |",
        f"| naive loop: training one network | {row['naive_sent_per_s']:,.0f} sentences/s, "
        f"{pct(row['naive_gflops'])} |",
        f"| TextCNNEncoder: training one network (refit) | "
        f"{row['train_sent_per_s']:,.0f} sentences/s, {pct(row['train_gflops'])} |",
        f"| speed-up over the naive loop | {speedup:.2f}x |",
        f"| 5 fold networks, fold-by-fold | {row['folds_one_by_one_sent_per_s']:,.0f} "
        f"sentences/s, {pct(row['folds_one_by_one_gflops'])} |",
        f"| 5 fold networks, fold-batched | {row['folds_batched_sent_per_s']:,.0f} "
        f"sentences/s, {pct(row['folds_batched_gflops'])} |",
        f"| fold-batched / fold-by-fold | {folds:.2f}x; "
        f"{row['folds_batched_sent_per_s'] / row['naive_sent_per_s']:.2f}x the naive loop |",
        f"| transform, 5 fold models averaged | {row['transform_folds_rows_per_s']:,.0f} rows/s, "
        f"{pct(row['transform_folds_gflops'])} |",
        f"| transform, refit model | {row['transform_refit_rows_per_s']:,.0f} rows/s, "
        f"{pct(row['transform_refit_gflops'])} |",
        f"| 5-fold OOF fit_transform, fold-by-fold | {row['fit_transform_one_by_one_s']:.1f} s "
        f"(accuracy {100 * row['fit_transform_one_by_one_acc']:.1f}%) |",
        f"| 5-fold OOF fit_transform, fold-batched | {row['fit_transform_batched_s']:.1f} s "
        f"(accuracy {100 * row['fit_transform_batched_acc']:.1f}%; max abs difference "
        f"{row['fit_transform_max_abs_diff']:.1e}) |",
    ]
    for size in sizes:
        per_row = 1e6 * scale[str(size)] / size
        lines.append(
            f"| fit, {size:,} rows, 2 epochs | {scale[str(size)]:.1f} s ({per_row:.0f} µs/row) |"
        )
    if len(sizes) > 1:
        ratio = scale[str(sizes[-1])] / scale[str(sizes[0])]
        lines.append(f"| fit time {sizes[-1]:,} / {sizes[0]:,} rows | {ratio:.2f}x |")
    for name, label in (("one_by_one", "fold-by-fold"), ("batched", "fold-batched")):
        if f"mr10_{name}_acc" in row:
            lines.append(
                f"| MR 10-fold OOF accuracy, {label} | {100 * row[f'mr10_{name}_acc']:.1f}% "
                f"({row[f'mr10_{name}_s']:.0f} s) |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
