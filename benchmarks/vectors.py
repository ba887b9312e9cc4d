"""Which word-piece vectors feed the CNN best? (issue 30: a stronger teacher)

Every variant is ``TextCNNEncoder()`` with its defaults except the vector table it starts
from; each is scored on the same folds beside ``TfidfLinearEncoder`` (the cheap peer):

- **text only** (MR, CR, MPQA, SST-2 train, SST-1 train, SMS spam, BBC News): 5-fold
  stratified out-of-fold accuracy of the encoder's own predictions, and fit seconds;
- **downstream** (airline tweets, wine reviews, book prices): HistGradientBoosting on the
  table's other columns plus the out-of-fold text features (5 inner folds on all rows),
  5 outer folds (grouped by tweet / by synopsis), accuracy or R².

Variants: the library's named tables (``minilm-l6``, ``mpnet-base``) and, with
``--raw DIR`` (full-width tables written by ``scripts/build_vectors.py --raw``),
experimental reductions of them: ``mpnet-128`` / ``mpnet-256`` (PCA width, with
``embedding_dim`` the same), ``mpnet-sif`` (pieces re-weighted by SIF weights a / (a + p),
p the piece frequency in a corpus kept out of every benchmark, ``sif.npy``),
``mpnet-context`` (pieces in context over that corpus, ``mpnet-context.npy``; both from
``scripts/build_vectors.py``), ``two-teacher`` / ``two-teacher-128`` (MiniLM's principal
components beside mpnet's, 128 + 128 or 64 + 64: Kim's two-channel idea as one input).
Variants run in reverse order on odd seeds, so no variant always pays a warm-up. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/vectors.py --variants minilm-l6,mpnet-base
    TEXTCNN_DATA=../shared/data python benchmarks/vectors.py --raw /tmp/vec --seeds 0,1
    ... --seeds 1 --merge seed0.json      # table an earlier run's rows (other seeds) too

Writes ``benchmarks/results/vectors.{md,json}`` (``--out`` for another name).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import representation  # benchmarks/representation.py: the airline and wine tables, HGB scores
from _results import publish
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)

from textcnn import TextCNNEncoder, TfidfLinearEncoder, _embeddings, datasets

RESULTS = Path(__file__).parent / "results"
TEXT_ONLY = {
    "mr": lambda: datasets.load_mr(),
    "cr": lambda: datasets.load_cr(),
    "mpqa": lambda: datasets.load_mpqa(),
    "sst2": lambda: datasets.load_sst2(split="train"),
    "sst1": lambda: datasets.load_sst1(split="train"),
    "sms": lambda: datasets.load_sms_spam(),
    "bbc": lambda: datasets.load_bbc_news().rename(columns={"category": "label"}),
}
DOWNSTREAM = ("airline", "wine", "books")
NAMED = ("minilm-l6", "mpnet-base")
EXPERIMENTAL = (
    "mpnet-128",
    "mpnet-256",
    "mpnet-sif",
    "mpnet-context",
    "two-teacher",
    "two-teacher-128",
)


def variant_vectors(name: str, raw: Path | None) -> tuple[object | None, int]:
    """(vectors to use instead of the default table or None for a named one, embedding_dim)."""
    if name in NAMED:
        return None, 128
    if raw is None:
        raise SystemExit(f"variant {name!r} needs --raw DIR")
    vocab = _embeddings._wordpiece_tokenizer().get_vocab()
    words = sorted(vocab, key=vocab.__getitem__)
    mpnet = np.load(raw / "mpnet-raw.npy")
    if name == "mpnet-128":
        matrix = _embeddings.pca(mpnet, 128)
    elif name == "mpnet-256":
        matrix = _embeddings.pca(mpnet, 256)
    elif name == "mpnet-sif":
        matrix = _embeddings.pca(mpnet, 128) * np.load(raw / "sif.npy")[:, None]
    elif name == "mpnet-context":
        matrix = _embeddings.pca(np.load(raw / "mpnet-context.npy"), 128)
    elif name in ("two-teacher", "two-teacher-128"):
        half = 128 if name == "two-teacher" else 64
        minilm = _embeddings.pca(np.load(raw / "minilm-raw.npy"), half)
        matrix = np.hstack([minilm, _embeddings.pca(mpnet, half)])
    else:
        raise SystemExit(f"unknown variant {name!r}")
    matrix = np.asarray(matrix, dtype=np.float32)
    return _embeddings._ArrayVectors(words, matrix), matrix.shape[1]


class use_vectors:
    """Within the block, the default word-piece table is ``vectors`` (None: unchanged)."""

    def __init__(self, vectors) -> None:
        self.vectors = vectors

    def __enter__(self):
        self.saved = _embeddings._minilm_vectors
        if self.vectors is not None:
            _embeddings._minilm_vectors = lambda dim: self.vectors
        return self

    def __exit__(self, *exc) -> None:
        _embeddings._minilm_vectors = self.saved


def encoder(variant: str, dim: int, cv, seed: int, regression: bool) -> TextCNNEncoder:
    embeddings = variant if variant in NAMED else "minilm-l6"
    target = "continuous" if regression else "auto"
    return TextCNNEncoder(
        embeddings=embeddings, embedding_dim=dim, cv=cv, random_state=seed, target_type=target
    )


def text_only(name: str, variants: list[str], raw, seed: int) -> list[dict]:
    frame = TEXT_ONLY[name]()
    texts, y = frame["text"].fillna("").tolist(), frame["label"].to_numpy()
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    rows = []
    for variant in ["tfidf-linear", *(variants if seed % 2 == 0 else variants[::-1])]:
        start = time.perf_counter()
        if variant == "tfidf-linear":
            oof = np.asarray(TfidfLinearEncoder(cv=cv, random_state=seed).fit_transform(texts, y))
        else:
            vectors, dim = variant_vectors(variant, raw)
            with use_vectors(vectors):
                oof = np.asarray(encoder(variant, dim, cv, seed, False).fit_transform(texts, y))
        seconds = time.perf_counter() - start
        classes = np.unique(y)
        if oof.shape[1] == 1:  # binary: one probability column (the second class)
            pred = classes[(oof[:, 0] >= 0.5).astype(int)]
        else:
            pred = classes[oof.argmax(axis=1)]
        rows.append(
            {
                "dataset": name,
                "variant": variant,
                "seed": seed,
                "rows": len(y),
                "score": float((pred == y).mean()),
                "fit_s": seconds,
            }
        )
        print(rows[-1], flush=True)
    return rows


def downstream_data(name: str):
    """(tabular frame, texts, target, groups, regression) as the examples build them."""
    if name == "airline":
        return representation.airline()
    if name == "wine":
        return representation.wine()
    frame = datasets.load_book_prices()
    tab = frame[["stars", "n_reviews"]].copy()
    for column in ("Author", "Edition", "Genre", "BookCategory"):
        # HGB takes at most 255 categories: the 254 most frequent, the rest as one
        top = frame[column].value_counts().index[:254]
        tab[column] = frame[column].where(frame[column].isin(top), "(other)").astype("category")
    groups = frame["Synopsis"].factorize()[0]
    texts = (frame["Title"].astype(str) + " . " + frame["Synopsis"].astype(str)).tolist()
    return tab, texts, frame["log_price"].to_numpy(float), groups, True


def downstream(name: str, variants: list[str], raw, seed: int) -> list[dict]:
    tab, texts, y, groups, regression = downstream_data(name)
    if regression:
        inner = GroupKFold(5) if groups is not None else KFold(5, shuffle=True, random_state=1)
        outer = GroupKFold(5) if groups is not None else KFold(5, shuffle=True, random_state=0)
    else:
        inner = StratifiedGroupKFold(5, shuffle=True, random_state=1)
        outer = StratifiedGroupKFold(5, shuffle=True, random_state=0)
    inner_folds = list(inner.split(texts, y, groups))
    rows = []
    for variant in ["tfidf-linear", *(variants if seed % 2 == 0 else variants[::-1])]:
        start = time.perf_counter()
        if variant == "tfidf-linear":
            enc = TfidfLinearEncoder(
                cv=inner_folds,
                random_state=seed,
                target_type="continuous" if regression else "auto",
            )
            feats = np.asarray(enc.fit_transform(texts, y))
        else:
            vectors, dim = variant_vectors(variant, raw)
            with use_vectors(vectors):
                enc = encoder(variant, dim, inner_folds, seed, regression)
                feats = np.asarray(enc.fit_transform(texts, y))
        seconds = time.perf_counter() - start
        scores = representation.hgb_scores(tab, [feats], y, outer, groups, regression)
        rows.append(
            {
                "dataset": name,
                "variant": variant,
                "seed": seed,
                "rows": len(y),
                "score": float(scores.mean()),
                "folds": scores.tolist(),
                "fit_s": seconds,
            }
        )
        print(rows[-1], flush=True)
    return rows


def table(rows: list[dict], variants: list[str]) -> str:
    """Per data set: mean score over seeds, the last variant's margin over the first (paired
    by seed), median fit seconds and their ratio (last / first, per seed, median)."""
    frame = pd.DataFrame(rows)
    first, last = variants[0], variants[-1]
    head = ["data set", "rows", "tfidf-linear", *variants, f"{last} − {first}", "wins"]
    head += [f"fit s {v}" for v in variants] + ["fit ratio"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---|" * (len(head) - 1)]
    for name, part in frame.groupby("dataset", sort=False):
        scale = 1 if name in ("wine", "books") else 100
        score = part.pivot_table(index="seed", columns="variant", values="score")
        fit = part.pivot_table(index="seed", columns="variant", values="fit_s")
        cells = [
            f"{scale * score[v].mean():.{4 if scale == 1 else 2}f}"
            for v in ["tfidf-linear", *variants]
        ]
        margin = scale * (score[last] - score[first])
        ratio = (fit[last] / fit[first]).median()
        lines.append(
            f"| {name} | {int(part['rows'].iloc[0])} | "
            + " | ".join(cells)
            + f" | {margin.mean():+.{4 if scale == 1 else 2}f} | "
            + f"{int((margin > 0).sum())}/{len(margin)} | "
            + " | ".join(f"{fit[v].median():.0f}" for v in variants)
            + f" | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="minilm-l6,mpnet-base")
    parser.add_argument("--datasets", default=",".join([*TEXT_ONLY, *DOWNSTREAM]))
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--raw", type=Path, default=None)
    parser.add_argument("--out", default="vectors")
    parser.add_argument(
        "--merge", type=Path, help="a JSON of an earlier run's rows (other seeds) to table too"
    )
    args = parser.parse_args()
    variants = args.variants.split(",")
    rows = json.loads(args.merge.read_text()) if args.merge else []
    for seed in map(int, args.seeds.split(",")):
        for name in [d for d in args.datasets.split(",") if d]:  # "": only the table
            run = text_only if name in TEXT_ONLY else downstream
            rows += run(name, variants, args.raw, seed)
    head = (
        f"Word-piece vectors, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()} {os.cpu_count()} cores, seeds "
        f"{sorted({r['seed'] for r in rows})}: text-only sets "
        "5-fold OOF accuracy (%); airline accuracy (%), wine and books R² inside "
        "HistGradientBoosting (5 outer folds); mean over seeds, fit seconds median\n\n"
    )
    publish(RESULTS / args.out, head + table(rows, variants) + "\n", rows)


if __name__ == "__main__":
    main()
