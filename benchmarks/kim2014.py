"""Kim (2014) replication: MR 10-fold OOF accuracy, SST-2 / SST-1 official test splits.

Usage (data through the ``textcnn.datasets`` loaders)::

    TEXTCNN_DATA=../shared/data python benchmarks/kim2014.py
    TEXTCNN_DATA=../shared/data python benchmarks/kim2014.py --datasets mr --variants non-static

Prints a Markdown table and writes ``benchmarks/results/kim2014.{md,json}`` atomically.
MR: ``cv=10`` out-of-fold predictions of ``TextCNNEncoder.fit_transform``; mean ± std of
the per-fold accuracies. SST: ``fit`` on the train split, ``transform`` the test split
with the average of the 5 fold models; ± is the std of the single fold models' accuracies.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from textcnn import TextCNNEncoder, __version__
from textcnn._torch import predict
from textcnn.datasets import load_mr, load_sst1, load_sst2
from textcnn.io import write_text_atomic

RESULTS = Path(__file__).parent / "results"

# Kim 2014, Table 2: CNN-rand / -static / -non-static / -multichannel.
KIM = {
    "mr": {"rand": 76.1, "static": 81.0, "non-static": 81.5, "multichannel": 81.1},
    "sst2": {"rand": 82.7, "static": 86.8, "non-static": 87.2, "multichannel": 88.1},
    "sst1": {"rand": 45.0, "static": 45.5, "non-static": 48.0, "multichannel": 47.4},
}

# Kim's variants are the plain network (linear_blend=0) trained with Kim's recipe as the
# defaults had it before issue 29 (constant learning rate 1e-3, batches of 50, up to 10 epochs
# with early stopping); "defaults" is TextCNNEncoder() as shipped.
KIM = dict(lr=1e-3, batch_size=50, max_epochs=10, lr_schedule="constant")
VARIANTS = {
    "rand": dict(embeddings=None, embedding_mode="rand", linear_blend=0.0),
    "static": dict(embeddings="glove-6b-50d", embedding_mode="static", linear_blend=0.0),
    "non-static": dict(embeddings="glove-6b-50d", embedding_mode="non-static", linear_blend=0.0),
    "multichannel": dict(
        embeddings="glove-6b-50d", embedding_mode="multichannel", linear_blend=0.0
    ),
    "word2vec-non-static": dict(
        embeddings="word2vec", embedding_mode="non-static", linear_blend=0.0
    ),
    "fasttext-non-static": dict(
        embeddings="fasttext", embedding_mode="non-static", linear_blend=0.0
    ),
    "minilm-non-static": dict(
        embeddings="minilm-l6", embedding_mode="non-static", linear_blend=0.0
    ),
    "glove-blend": dict(embeddings="glove-6b-50d", embedding_mode="non-static"),
}
VARIANTS = {name: {**KIM, **params} for name, params in VARIANTS.items()}
VARIANTS["defaults"] = {}


def tfidf_lr():
    """The TF-IDF + logistic regression baseline."""
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(C=10.0, max_iter=2000),
    )


def run_mr(variant: str, cv: int, seed: int) -> dict:
    frame = load_mr()
    X, y = frame["text"].tolist(), frame["label"].to_numpy()
    splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
    folds = list(splitter.split(X, y))
    start = time.perf_counter()
    if variant == "tfidf-lr":
        pred = np.empty(len(y), dtype=object)
        for train, test in folds:
            model = tfidf_lr().fit([X[i] for i in train], y[train])
            pred[test] = model.predict([X[i] for i in test])
        embedding = "-"
    else:
        enc = TextCNNEncoder(cv=splitter, random_state=seed, **VARIANTS[variant])
        proba = enc.fit_transform(X, y)[:, 0]
        pred = np.where(proba > 0.5, enc.classes_[1], enc.classes_[0])
        embedding = str(enc.embeddings)
    seconds = time.perf_counter() - start
    accs = [100 * np.mean(pred[test] == y[test]) for _, test in folds]
    return result("mr", variant, pred == y, accs, seconds, embedding, f"{cv}-fold OOF")


def run_sst(name: str, variant: str, seed: int) -> dict:
    loader = load_sst2 if name == "sst2" else load_sst1
    train, test = loader(split="train"), loader(split="test")
    start = time.perf_counter()
    y_test = test["label"].to_numpy()
    if variant == "tfidf-lr":
        pred = tfidf_lr().fit(train["text"], train["label"]).predict(test["text"])
        singles = [100 * np.mean(pred == y_test)]
        embedding = "-"
    else:
        enc = TextCNNEncoder(random_state=seed, **VARIANTS[variant])
        enc.fit(train[["text"]], train["label"])
        proba = enc.transform(test[["text"]])
        if proba.shape[1] == 1:
            proba = np.column_stack([1 - proba[:, 0], proba[:, 0]])
        pred = enc.classes_[proba.argmax(1)]
        # single fold models (each with its blend branch, if any), for the spread
        from textcnn._text import encode

        texts = test["text"].tolist()
        ids, lengths = encode(enc._tokenize(texts), enc.vocabularies_[0], enc.max_length)
        vectorizer = enc.ngram_vectorizers_[0]
        ngrams = None if vectorizer is None else vectorizer.transform(texts)
        singles = [
            100
            * np.mean(
                enc.classes_[enc._blend(m, predict(m, ids, lengths), ngrams).argmax(1)] == y_test
            )
            for m in enc.models_[0]
        ]
        embedding = str(enc.embeddings)
    seconds = time.perf_counter() - start
    protocol = "train -> test (5 fold models averaged)"
    return result(name, variant, pred == y_test, singles, seconds, embedding, protocol)


def result(dataset, variant, correct, accs, seconds, embedding, protocol) -> dict:
    """One table row: overall accuracy, mean ± std of the per-fold / per-model ones."""
    return dict(
        dataset=dataset,
        variant=variant,
        accuracy=100 * float(np.mean(correct)),
        mean=float(np.mean(accs)),
        std=float(np.std(accs)),
        seconds=seconds,
        embedding=embedding,
        protocol=protocol,
    )


def table(rows: list[dict]) -> str:
    lines = [
        "| dataset | variant | embedding | accuracy % | mean ± std % | Kim 2014 % | wall s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        kim = KIM.get(r["dataset"], {}).get(r["variant"], "")
        lines.append(
            f"| {r['dataset']} | {r['variant']} | {r['embedding']} | {r['accuracy']:.1f} | "
            f"{r['mean']:.1f} ± {r['std']:.1f} | {kim} | {r['seconds']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="mr,sst2,sst1")
    parser.add_argument(
        "--variants", default="rand,static,non-static,multichannel,tfidf-lr", help="comma list"
    )
    parser.add_argument("--cv", type=int, default=10, help="MR folds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(RESULTS / "kim2014"))
    parser.add_argument(
        "--merge", action="store_true", help="replace these rows in the existing results"
    )
    args = parser.parse_args()
    rows = []
    for name in args.datasets.split(","):
        for variant in args.variants.split(","):
            row = (
                run_mr(variant, args.cv, args.seed)
                if name == "mr"
                else run_sst(name, variant, args.seed)
            )
            rows.append(row)
            print(
                f"{name:5s} {variant:22s} acc {row['accuracy']:.2f} "
                f"({row['mean']:.2f} ± {row['std']:.2f}) {row['seconds']:.0f}s",
                flush=True,
            )
    if args.merge and Path(args.out + ".json").exists():
        new = {(r["dataset"], r["variant"]): r for r in rows}
        old = json.loads(Path(args.out + ".json").read_text())
        rows = [new.pop((r["dataset"], r["variant"]), r) for r in old] + list(new.values())
        rows.sort(key=lambda r: ["mr", "sst2", "sst1"].index(r["dataset"]))
    md = table(rows)
    header = (
        f"Kim 2014 benchmark, {date.today()}, textcnn {__version__}, torch {torch.__version__}, "
        f"{platform.machine()} {os.cpu_count()} cores, seed {args.seed}\n\n"
    )
    print("\n" + md)
    write_text_atomic(Path(args.out + ".md"), header + md + "\n")
    write_text_atomic(Path(args.out + ".json"), json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
