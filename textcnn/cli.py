"""Command line: ``textcnn --version`` and ``textcnn demo`` (a thin layer over the library)."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence

logger = logging.getLogger("textcnn")


def _demo(args: argparse.Namespace) -> int:
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss

    from . import TextCNNEncoder
    from .datasets import load_bbc_news

    frame = load_bbc_news()
    enc = TextCNNEncoder(
        cv=args.cv,
        max_length=args.max_length,
        max_epochs=args.max_epochs,
        random_state=args.seed,
        verbose=args.verbose,
    )
    start = time.perf_counter()
    features = enc.set_output(transform="pandas").fit_transform(frame[["text"]], frame["category"])
    seconds = time.perf_counter() - start
    proba = features.to_numpy()
    pred = enc.classes_[np.argmax(proba, axis=1)]
    out = sys.stdout
    out.write(
        f"BBC News: {len(frame)} articles, {len(enc.classes_)} classes, {args.cv}-fold "
        f"out-of-fold TextCNN features ({enc.embeddings}, {enc.embedding_mode}, "
        f"coverage {enc.embedding_coverage_.get('text', float('nan')):.1%})\n"
    )
    out.write(features.head().round(3).to_string() + "\n")
    out.write(
        f"OOF accuracy {accuracy_score(frame['category'], pred):.4f}  "
        f"OOF log-loss {log_loss(frame['category'], proba, labels=enc.classes_):.4f}  "
        f"fit_transform {seconds:.1f} s\n"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="textcnn", description="Cross-fitted text-CNN features for tabular data."
    )
    parser.add_argument("--version", action="version", version=f"textcnn {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="progress bars and logs")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser(
        "demo", help="out-of-fold features on the embedded BBC News data, with OOF accuracy"
    )
    demo.add_argument("--cv", type=int, default=5, help="folds (default: 5)")
    demo.add_argument("--max-length", type=int, default=200, help="tokens per article")
    demo.add_argument("--max-epochs", type=int, default=10, help="epochs per fold")
    demo.add_argument("--seed", type=int, default=0, help="random seed")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``textcnn`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"textcnn: error: {exc}\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
