"""A fingerprint of the encoders' outputs: fixed seeds, one thread, before and after a change.

Fits a fixed set of encoders (the defaults, the plain CNN, random vectors, the BiGRU, the
n-gram encoder, a ``max_time`` run) on samples of three shared sets (MR: binary, airline:
3 classes, wine: regression), and records per (data set, encoder) the out-of-fold output,
the ``transform`` of held-back rows, a sha256 of each, its score and its epochs. Usage::

    TEXTCNN_DATA=../shared/data python benchmarks/fingerprint.py --save before
    ... change the code ...
    TEXTCNN_DATA=../shared/data python benchmarks/fingerprint.py --compare before

``--compare`` prints, per entry, whether the outputs are bit-identical, the largest absolute
difference, and the score before and after: a changed default must explain every line that
moved. The arrays go to ``benchmarks/results/fingerprint_<name>.npz`` (not committed: they
are this machine's), the summary to ``fingerprint_<name>.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
ROWS = 1500  # training rows per data set; 500 more are transformed
SETS = {
    # name: (loader, text column, target column, regression)
    "mr": ("load_mr", "text", "label", False),
    "airline": ("load_airline_tweets", "text", "airline_sentiment", False),
    "wine": ("load_wine_reviews", "description", "points", True),
}


def encoders(regression: bool, step_aside: bool = True) -> dict:
    from textcnn import TextCNNEncoder, TextRNNEncoder, TfidfLinearEncoder

    common = dict(
        random_state=0,
        n_threads=1,
        device="cpu",
        target_type="continuous" if regression else "auto",
    )
    import inspect

    # Kim's recipe as the defaults were before issue 29 (constant learning rate 1e-3, batch
    # 50, up to 10 epochs with early stopping): bit-identical across that change
    kim = dict(lr=1e-3, batch_size=50, max_epochs=10)
    if "lr_schedule" in inspect.signature(TextCNNEncoder).parameters:
        kim["lr_schedule"] = "constant"
    tfidf = {k: v for k, v in common.items() if k in ("target_type", "random_state")}
    if not step_aside and "step_aside" in inspect.signature(TextCNNEncoder).parameters:
        common["step_aside"] = False  # the networks' own output (no out-of-fold guard)
    return {
        "cnn-defaults": TextCNNEncoder(**common),
        "cnn-kim": TextCNNEncoder(**kim, **common),
        "cnn-plain": TextCNNEncoder(linear_blend=0.0, **common),
        "cnn-rand": TextCNNEncoder(embeddings=None, max_epochs=4, **common),
        "cnn-refit": TextCNNEncoder(refit=True, max_epochs=3, **common),
        "bigru": TextRNNEncoder(max_epochs=3, **common),
        "tfidf": TfidfLinearEncoder(**tfidf),
    }


def digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.float64).tobytes()).hexdigest()[:16]


def score(pred: np.ndarray, y: np.ndarray, regression: bool, classes=None) -> float:
    if regression:
        return float(1 - np.mean((pred[:, 0] - y) ** 2) / np.var(y))
    if pred.shape[1] == 1:  # binary: P(classes_[1])
        return float(np.mean((pred[:, 0] > 0.5) == (y == classes[1])))
    return float(np.mean(np.asarray(classes)[pred.argmax(1)] == y))


def run(only: list[str] | None, step_aside: bool = True) -> tuple[dict, dict]:
    import textcnn.datasets as ds

    summary, arrays = {}, {}
    for name, (loader, text, target, regression) in SETS.items():
        frame = getattr(ds, loader)().sample(ROWS + 500, random_state=0)
        train, new = frame.iloc[:ROWS], frame.iloc[ROWS:]
        y = train[target].to_numpy()
        y = y.astype(float) if regression else y
        for enc_name, enc in encoders(regression, step_aside).items():
            if only and enc_name not in only:
                continue
            key = f"{name}/{enc_name}"
            started = time.perf_counter()
            oof = enc.fit_transform(train[[text]], y)
            fit_s = time.perf_counter() - started
            out = enc.transform(new[[text]])
            classes = getattr(enc, "classes_", None)
            arrays[f"{key}/oof"], arrays[f"{key}/transform"] = oof, out
            summary[key] = {
                "oof_sha": digest(oof),
                "transform_sha": digest(out),
                "score": round(score(oof, y, regression, classes), 5),
                "epochs": getattr(enc, "epochs_trained_", None),
                "fit_s": round(fit_s, 2),
            }
            print(f"{key:28s} {summary[key]['score']:.4f} {fit_s:6.1f} s", flush=True)
    return summary, arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="NAME")
    group.add_argument("--compare", metavar="NAME")
    parser.add_argument("--only", nargs="*", help="encoder names (default: all)")
    parser.add_argument(
        "--no-step-aside",
        action="store_true",
        help="the networks' own output: step_aside=False (the guard off)",
    )
    args = parser.parse_args()
    summary, arrays = run(args.only, not args.no_step_aside)
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        np.savez_compressed(RESULTS / f"fingerprint_{args.save}.npz", **arrays)
        (RESULTS / f"fingerprint_{args.save}.json").write_text(json.dumps(summary, indent=1))
        return
    ref = json.loads((RESULTS / f"fingerprint_{args.compare}.json").read_text())
    ref_arrays = np.load(RESULTS / f"fingerprint_{args.compare}.npz")
    print(
        f"\n| entry | same OOF | max abs diff OOF | max abs diff transform | score "
        f"{args.compare} | score now | epochs {args.compare} | epochs now |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for key, now in summary.items():
        if key not in ref:
            print(f"| {key} | (new) | | | | {now['score']} | | {now['epochs']} |")
            continue
        was = ref[key]
        d_oof = float(np.abs(ref_arrays[f"{key}/oof"] - arrays[f"{key}/oof"]).max())
        d_tr = float(np.abs(ref_arrays[f"{key}/transform"] - arrays[f"{key}/transform"]).max())
        same = "yes" if d_oof == 0 and d_tr == 0 else "no"  # equal values, whatever the dtype
        print(
            f"| {key} | {same} | {d_oof:.2e} | {d_tr:.2e} | {was['score']} | {now['score']} "
            f"| {was['epochs']} | {now['epochs']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
